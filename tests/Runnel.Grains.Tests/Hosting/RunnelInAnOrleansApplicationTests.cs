using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.Grains.Tests.Hosting;

/// <summary>
/// Runnel inside an Orleans application: a silo that hosts the application's own grains adds Runnel with
/// <c>AddRunnel(store)</c> and a connection over its own runtime with <c>services.AddRunnelClient()</c>; an application
/// grain produces through it, and a client of the same cluster reads the records back (<see cref="RunnelConnection.FromGrainFactory"/>).
/// </summary>
public sealed class RunnelInAnOrleansApplicationTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _directory = new("orleans-app");

    [Fact]
    public async Task ApplicationGrain_ProducesThroughTheSilosRunnelConnection_AndAClusterClientConsumesIt()
    {
        var store = new FileObjectStore(_directory.Path);
        var cluster = RunnelTestCluster.Build(1, store,
            configureSilo: silo =>
            {
                silo.AddRunnel(_ => store);
                silo.Services.AddRunnelClient();
            },
            configureClient: client => client.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>());
        await cluster.DeployAsync();
        try
        {
            await using var outside = RunnelConnection.FromGrainFactory(cluster.Client);
            await outside.Admin.CreateTopicAsync("orders", 1).WaitAsync(Guard);

            var book = cluster.Client.GetGrain<IOrderBookGrain>("book-7");
            (await book.PlaceAsync("orders", "buy 10").WaitAsync(Guard)).Should().Be(0);
            (await book.PlaceAsync("orders", "sell 3").WaitAsync(Guard)).Should().Be(1);

            await using var consumer = outside.CreateConsumer<string, string>(ConsumerOptions.Default);
            consumer.Assign([new TopicPartitionOffset(new TopicPartition("orders", 0), Offset.Beginning)]);
            var read = new List<(string? Key, string? Value)>();
            using var timeout = new CancellationTokenSource(Guard);
            await foreach (var record in consumer.ConsumeAsync(timeout.Token))
            {
                read.Add((record.Message.Key, record.Message.Value));
                if (read.Count == 2)
                {
                    break;
                }
            }

            read.Should().Equal(("book-7", "buy 10"), ("book-7", "sell 3"));
            outside.IsConnected.Should().BeTrue("a connection over an application's runtime has no gateway of its own to lose");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    public void Dispose() => _directory.Dispose();
}
