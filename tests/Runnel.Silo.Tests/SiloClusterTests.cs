using System.Globalization;
using Runnel.Grains;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.Silo.Tests;

/// <summary>Two runnel-silo processes on one data directory form one cluster: they find each other in the membership
/// blob and talk on their silo ports (<c>--silo-port</c>), while a client talks to a gateway port (<c>--port</c>) only.</summary>
public sealed class SiloClusterTests : IDisposable
{
    private const int Partitions = 16;

    private readonly TempDirectory _workingDirectory = new("silo-cluster");

    [Fact]
    public async Task TwoSilos_OneStore_JoinOnTheirSiloPortsAndOneGatewayServesGrainsOnBoth()
    {
        var dataDirectory = Path.Combine(_workingDirectory.Path, "data");
        var (first, firstSiloPort) = Start("a", dataDirectory, out var firstPort);
        var (second, secondSiloPort) = Start("b", dataDirectory, out _);
        using var a = first;
        using var b = second;
        await Task.WhenAll(
            a.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal)),
            b.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal)));

        await using (var client = await GatewayClient.ConnectAsync(firstPort, "pair"))
        {
            var management = client.Grains.GetGrain<IManagementGrain>(0);
            var hosts = await Probe.UntilAsync(
                () => management.GetHosts(onlyActive: true), h => h.Count == 2, TimeSpan.FromSeconds(30), "both silos Active");
            hosts.Keys.Select(s => s.Endpoint.Port).Should().BeEquivalentTo([firstSiloPort, secondSiloPort], "silos are members at their silo ports");

            await client.Grains.GetGrain<ITopicGrain>("spread").CreateAsync(Partitions, null);
            var owners = new HashSet<int>();
            for (var p = 0; p < Partitions; p++)
            {
                var partition = client.Grains.GetGrain<IPartitionGrain>($"spread/{p}");
                (await partition.ProduceAsync(new ProduceRequest(Batch($"r{p}")))).BaseOffset.Should().Be(0);
                owners.Add((await management.GetActivationAddress(partition))!.Endpoint.Port);
            }

            owners.Should().BeEquivalentTo([firstSiloPort, secondSiloPort], "rendezvous placement spreads {0} partitions over both silos, and the gateway silo forwards calls to the other", Partitions);
        }

        b.Terminate();
        a.Terminate();
        (await b.WaitForExitAsync()).Should().Be(0, b.Stderr);
        (await a.WaitForExitAsync()).Should().Be(0, a.Stderr);
        var store = new FileObjectStore(dataDirectory);
        for (var p = 0; p < Partitions; p++)
        {
            var paths = PartitionPaths.ForTopicPartition("spread", p);
            PartitionManifest.FromJson((await store.GetAsync(paths.Manifest)).Content.Span, paths.Manifest).State
                .Should().Be(PartitionState.Released, "partition {0} was handed back by whichever silo owned it", p);
        }
    }

    public void Dispose() => _workingDirectory.Dispose();

    /// <summary>A silo of cluster <c>pair</c> on free ports; returns it and its silo port.</summary>
    private (ChildProcess Silo, int SiloPort) Start(string name, string dataDirectory, out int port)
    {
        port = FreePort.Next();
        var siloPort = FreePort.Next();
        var silo = SiloProcess.Start(
            _workingDirectory.Path, null, "--data-dir", dataDirectory, "--cluster", "pair", "--name", name, "--port", Str(port),
            "--silo-port", Str(siloPort), "--http-port", Str(FreePort.Next()), "--kafka-port", "0");
        return (silo, siloPort);
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Batch(string value)
    {
        using var builder = new RecordBatchBuilder();
        builder.TryAppend(1_700_000_000_000, null, System.Text.Encoding.UTF8.GetBytes(value)).Should().BeTrue();
        return builder.ToArray();
    }
}
