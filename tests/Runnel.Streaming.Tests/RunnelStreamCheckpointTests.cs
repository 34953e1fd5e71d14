using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.Streaming.Tests;

/// <summary>The pulling agents' positions live in the provider's Runnel consumer group: they are committed once the
/// events are delivered, and a cluster started again on the same store resumes after them.</summary>
public sealed class RunnelStreamCheckpointTests : IDisposable
{
    private static readonly TimeSpan Bound = StreamingCluster.Bound;
    private readonly TempDirectory _directory = new("streams-checkpoint");

    [Fact]
    public async Task Restart_AfterDeliveryWasCommitted_DeliversOnlyNewEvents()
    {
        var store = new FileObjectStore(_directory.Path);
        const string key = "order-9";
        var partition = new TopicPartition(StreamingCluster.Topic(StreamingCluster.Orders),
            Murmur2Partitioner.Instance.Partition(StreamingCluster.Topic(StreamingCluster.Orders), System.Text.Encoding.UTF8.GetBytes(key), false, 2));

        var first = StreamingCluster.Build(store);
        await first.DeployAsync();
        try
        {
            var stream = first.Client.GetStreamProvider(StreamingCluster.Provider).GetStream<string>(StreamId.Create(StreamingCluster.Orders, key));
            for (var i = 0; i < 5; i++)
            {
                await stream.OnNextAsync($"e{i}").WaitAsync(Bound);
            }

            var recorder = first.Client.GetGrain<IStreamRecorderGrain>(key);
            await Probe.UntilAsync(recorder.GetAsync, s => s.Length >= 5, Bound, "the first cluster delivered 5 events");
            await using var runnel = RunnelConnection.FromGrainFactory(first.Client);
            var end = (await runnel.Admin.GetPartitionOffsetsAsync(partition)).HighWatermark;
            end.Should().Be(5);
            await using var group = runnel.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default with { GroupId = "orleans-streams." + StreamingCluster.Provider });
            await Probe.UntilAsync(
                async () => (await group.CommittedAsync([partition])).Select(c => c.Offset.Value).FirstOrDefault(-1),
                committed => committed == end, Bound, "the agent committed the delivered offset");
        }
        finally
        {
            await first.StopAllSilosAsync();
            await first.DisposeAsync();
        }

        var second = StreamingCluster.Build(store);
        await second.DeployAsync();
        try
        {
            var stream = second.Client.GetStreamProvider(StreamingCluster.Provider).GetStream<string>(StreamId.Create(StreamingCluster.Orders, key));
            await stream.OnNextAsync("e5").WaitAsync(Bound);
            var recorder = second.Client.GetGrain<IStreamRecorderGrain>(key);
            var seen = await Probe.UntilAsync(recorder.GetAsync, s => s.Any(e => e.Value == "e5"), Bound, "the second cluster delivered e5");

            // In order per stream: a re-delivery of e0..e4 would have come before e5.
            seen.Select(e => e.Value).Should().Equal("e5");
            seen[0].Offset.Should().Be(5);
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }
    }

    public void Dispose() => _directory.Dispose();
}
