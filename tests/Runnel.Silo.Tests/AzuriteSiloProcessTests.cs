using System.Globalization;
using System.Net;
using Runnel.Grains;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Testing;

namespace Runnel.Silo.Tests;

/// <summary>runnel-silo on Azure Blob Storage (Azurite), configured as in a container: connection string from the environment.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzuriteSiloProcessTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDirectory _workingDirectory = new("silo-azure");

    [Fact]
    public async Task Silo_OnAzurite_ServesAndReleasesPartitionsOnSigterm()
    {
        var (port, siloPort, httpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var container = AzuriteStores.NewContainerName();
        using var silo = SiloProcess.Start(
            _workingDirectory.Path,
            new Dictionary<string, string> { ["Runnel__Storage__ConnectionString"] = azurite.ConnectionString },
            "--storage", "azure", "--container", container, "--port", Str(port), "--silo-port", Str(siloPort), "--http-port", Str(httpPort),
            "--kafka-port", "0", "--cluster", "az");

        await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        (await http.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);
        await using (var client = await GatewayClient.ConnectAsync(port, "az"))
        {
            await client.Grains.GetGrain<ITopicGrain>("orders").CreateAsync(1, null);
            using var builder = new RecordBatchBuilder();
            builder.TryAppend(1, null, new byte[] { 1, 2, 3 }).Should().BeTrue();
            (await client.Grains.GetGrain<IPartitionGrain>("orders/0").ProduceAsync(new ProduceRequest(builder.ToArray()))).BaseOffset.Should().Be(0);
        }

        silo.Terminate();

        (await silo.WaitForExitAsync()).Should().Be(0, silo.Stderr);
        var store = AzuriteStores.Create(azurite, container);
        var paths = PartitionPaths.ForTopicPartition("orders", 0);
        PartitionManifest.FromJson((await store.GetAsync(paths.Manifest)).Content.Span, paths.Manifest).State.Should().Be(PartitionState.Released);
        Directory.Exists(Path.Combine(_workingDirectory.Path, "data")).Should().BeFalse("the file store is not used");
    }

    [Fact]
    public async Task Silo_OrleansAzureGrainState_TopicStateInOrleansContainerAndReadAfterRestart()
    {
        var (port, siloPort, httpPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var (container, grainState) = (AzuriteStores.NewContainerName(), AzuriteStores.NewContainerName());
        var environment = new Dictionary<string, string>
        {
            ["Runnel__Storage__ConnectionString"] = azurite.ConnectionString,
            ["Runnel__Storage__GrainStateContainerName"] = grainState,
        };
        string[] arguments =
        [
            "--storage", "azure", "--container", container, "--grain-state", "orleans-azure", "--port", Str(port), "--silo-port", Str(siloPort),
            "--http-port", Str(httpPort), "--kafka-port", "0", "--cluster", "az",
        ];
        using (var silo = SiloProcess.Start(_workingDirectory.Path, environment, arguments))
        {
            await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
            await using (var client = await GatewayClient.ConnectAsync(port, "az"))
            {
                await client.Grains.GetGrain<ITopicGrain>("orders").CreateAsync(3, null);
            }

            silo.Terminate();
            (await silo.WaitForExitAsync()).Should().Be(0, silo.Stderr);
        }

        (await AzuriteStores.Create(azurite, container).ListAsync("grains/")).Items.Should().BeEmpty("grain state is in Orleans' container, not the store");
        (await AzuriteStores.Create(azurite, grainState).ListAsync("")).Items.Should().NotBeEmpty("Orleans' Azure blob provider holds the topic and the catalog");

        using var restarted = SiloProcess.Start(_workingDirectory.Path, environment, arguments);
        await restarted.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
        await using var again = await GatewayClient.ConnectAsync(port, "az");
        (await again.Grains.GetGrain<ITopicGrain>("orders").DescribeAsync()).PartitionCount.Should().Be(3);
        (await again.Grains.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey).ListTopicsAsync()).Should().Equal("orders");
    }

    public void Dispose() => _workingDirectory.Dispose();

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
