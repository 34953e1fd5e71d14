using System.Globalization;
using System.Net;
using Runnel.Grains;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Silo.Tests;

public sealed class SiloProcessTests : IDisposable
{
    private readonly TempDirectory _workingDirectory = new("silo");

    [Fact]
    public async Task Silo_StartServeAndSigterm_ReadyServesThenExitsCleanlyWithPartitionsReleased()
    {
        var (port, siloPort, httpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var dataDirectory = Path.Combine(_workingDirectory.Path, "data");
        using var silo = SiloProcess.Start(
            _workingDirectory.Path,
            new Dictionary<string, string> { ["Runnel__Silo__ClusterId"] = "from-env" },
            "--data-dir", dataDirectory, "--port", Str(port), "--silo-port", Str(siloPort), "--http-port", Str(httpPort), "--kafka-port", Str(FreePort.Next()));

        var ready = await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        (await http.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        ready.Should().Contain("cluster from-env", "environment variables configure the silo").And.Contain($"file:{dataDirectory}")
            .And.Contain($"clients on 127.0.0.1:{port}, silos on 127.0.0.1:{siloPort}");
        using (var probe = SiloProcess.Start(_workingDirectory.Path, null, "--health-check", "--http-port", Str(httpPort)))
        {
            (await probe.WaitForExitAsync()).Should().Be(0, "the container HEALTHCHECK passes on a live silo: {0}", probe.Stderr);
            probe.Stdout.Should().Contain($"http://127.0.0.1:{httpPort}/healthz is healthy");
        }

        await using (var client = await GatewayClient.ConnectAsync(port, "from-env"))
        {
            await client.Grains.GetGrain<ITopicGrain>("events").CreateAsync(2, null);
            var produced = await client.Grains.GetGrain<IPartitionGrain>("events/1").ProduceAsync(new ProduceRequest(Batch("hello")));
            var fetched = await client.Grains.GetGrain<IPartitionGrain>("events/1").FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero));
            await client.Grains.GetGrain<IPartitionGrain>("events/0").GetOffsetsAsync();
            produced.BaseOffset.Should().Be(0);
            fetched.HighWatermark.Should().Be(1);
        }

        silo.Terminate();
        var exitCode = await silo.WaitForExitAsync();

        exitCode.Should().Be(0, "SIGTERM is a graceful stop.\nstdout:\n{0}\nstderr:\n{1}", silo.Stdout, silo.Stderr);
        silo.Stdout.Should().Contain("stopping").And.Contain("released");
        silo.Stderr.Should().BeEmpty();
        using (var probe = SiloProcess.Start(_workingDirectory.Path, null, "--health-check", "--http-port", Str(httpPort)))
        {
            (await probe.WaitForExitAsync()).Should().Be(1, "nothing answers once the silo is gone");
            probe.Stderr.Should().Contain("did not answer");
        }

        var store = new FileObjectStore(dataDirectory);
        foreach (var partition in new[] { 0, 1 })
        {
            var paths = PartitionPaths.ForTopicPartition("events", partition);
            var manifest = PartitionManifest.FromJson((await store.GetAsync(paths.Manifest)).Content.Span, paths.Manifest);
            manifest.State.Should().Be(PartitionState.Released, "partition {0} was handed back on shutdown", partition);
        }
    }

    [Theory]
    [InlineData("Runnel:Storage:Kind (--storage) must be 'file' or 'azure' (was 's3')", "--storage", "s3")]
    [InlineData("Runnel:Storage:ConnectionString (--connection-string, or Runnel__Storage__ConnectionString) or Runnel:Storage:BlobEndpoint (--blob-endpoint) is required", "--storage", "azure")]
    [InlineData("Runnel:Storage:ConnectionString (--connection-string) and Runnel:Storage:BlobEndpoint (--blob-endpoint) are exclusive", "--storage", "azure", "--connection-string", "UseDevelopmentStorage=true", "--blob-endpoint", "https://acct.blob.core.windows.net")]
    [InlineData("Runnel:Storage:BlobEndpoint (--blob-endpoint) must be an absolute https URL", "--storage", "azure", "--blob-endpoint", "http://acct.blob.core.windows.net")]
    [InlineData("Runnel:Storage:ManagedIdentityClientId (--managed-identity-client-id) must be the identity's client id, a GUID (was 'my-identity')", "--storage", "azure", "--blob-endpoint", "https://acct.blob.core.windows.net", "--managed-identity-client-id", "my-identity")]
    [InlineData("Runnel:Storage:ManagedIdentityClientId (--managed-identity-client-id) applies only with Runnel:Storage:BlobEndpoint", "--storage", "azure", "--connection-string", "UseDevelopmentStorage=true", "--managed-identity-client-id", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("Runnel:Silo:Port (--port) must be between 1 and 65535 (was 70000)", "--port", "70000")]
    [InlineData("Runnel:Silo:SiloPort (--silo-port) must be between 1 and 65535, or 0 for --port + 1000 (was 70000)", "--silo-port", "70000")]
    [InlineData("Runnel:Silo:SiloPort (--silo-port) must differ from Runnel:Silo:Port (--port) (both 7300)", "--port", "7300", "--silo-port", "7300")]
    [InlineData("'Runnel:Silo:Port'", "--port", "seven")]
    [InlineData("Runnel:HttpPort (--http-port) must be between 0 and 65535 (was -1)", "--http-port", "-1")]
    [InlineData("Runnel:Silo:ListenAddress (--listen-address) must be an IP address (was 'localhost')", "--listen-address", "localhost")]
    [InlineData("Runnel:Kafka:Port (--kafka-port) must be between 0 (off) and 65535 (was 70000)", "--kafka-port", "70000")]
    [InlineData("'Runnel:Kafka:Port'", "--kafka-port", "ninety")]
    [InlineData("Runnel:Kafka:AdvertisedHost (--kafka-advertised-host) must be a host name or IP address (was 'bad host!')", "--kafka-advertised-host", "bad host!")]
    [InlineData("Runnel:Kafka:AdvertisedHost (--kafka-advertised-host) is required when the listen address is a wildcard", "--listen-address", "0.0.0.0")]
    [InlineData("Runnel:Silo:AdvertisedAddress (--advertised-address) must be set when Runnel:Silo:ListenAddress is a wildcard ('0.0.0.0')", "--listen-address", "0.0.0.0")]
    [InlineData("Runnel:Kafka:AdvertisedHost (--kafka-advertised-host) must be a host name or IP address (was 'bad host!')", "--listen-address", "0.0.0.0", "--advertised-address", "127.0.0.1", "--kafka-advertised-host", "bad host!")]
    [InlineData("Runnel:Silo:AdvertisedAddress (--advertised-address): host name 'nowhere.invalid' did not resolve", "--advertised-address", "nowhere.invalid")]
    [InlineData("Runnel:Silo:AdvertisedAddress (--advertised-address) must be an IP address, a host name or {machine} (was 'a b')", "--advertised-address", "a b")]
    [InlineData("Runnel:Silo:Kubernetes (--kubernetes) works only inside a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set)", "--kubernetes", "true")]
    [InlineData("Runnel:Silo:Kubernetes (--kubernetes) needs the environment variable POD_NAMESPACE", "--kubernetes", "true")]
    [InlineData("'Runnel:Silo:Kubernetes'", "--kubernetes", "yes")]
    [InlineData("Unknown option '--bogus'", "--bogus", "1")]
    [InlineData("Option '--data-dir' needs a value", "--data-dir")]
    public async Task Silo_InvalidOption_ExitsNonZeroNamingTheField(string message, params string[] arguments)
    {
        using var silo = SiloProcess.Start(_workingDirectory.Path, null, arguments);

        var exitCode = await silo.WaitForExitAsync();

        exitCode.Should().Be(2);
        silo.Stderr.Should().Contain(message);
        Directory.Exists(Path.Combine(_workingDirectory.Path, "data")).Should().BeFalse("nothing is created before the options are valid");
    }

    [Theory]
    [InlineData("00:00:00.100", "Runnel:LagSampleInterval must be between 00:00:01 and 01:00:00 (was 00:00:00.1000000)")]
    [InlineData("soon", "'Runnel:LagSampleInterval'")]
    public async Task Silo_LagSampleIntervalInvalid_ExitsNonZeroNamingTheField(string value, string message)
    {
        using var silo = SiloProcess.Start(_workingDirectory.Path, new Dictionary<string, string> { ["Runnel__LagSampleInterval"] = value });

        (await silo.WaitForExitAsync()).Should().Be(2);
        silo.Stderr.Should().Contain(message);
    }

    public void Dispose() => _workingDirectory.Dispose();

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Batch(string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.TryAppend(1_700_000_000_000, null, System.Text.Encoding.UTF8.GetBytes(value)).Should().BeTrue();
        return builder.ToArray();
    }
}
