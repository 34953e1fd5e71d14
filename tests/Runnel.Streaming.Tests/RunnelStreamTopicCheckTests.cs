using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.Streaming.Tests;

/// <summary>A pulling agent whose first topic check fails keeps retrying it: Orleans never initializes a receiver
/// twice, so a receiver that gave up there would leave its queue silent for good (as after a silo's death, when the
/// topic's grain was still addressed to the dead silo).</summary>
public sealed class RunnelStreamTopicCheckTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = StreamingCluster.Bound;
    private readonly TempDirectory _directory = new("streams-topic-check");
    private Orleans.TestingHost.InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // The agents start before the topics exist, and must not create them.
        _cluster = StreamingCluster.Build(new FileObjectStore(_directory.Path), configure: o => o.CreateTopics = false);
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task TopicCreatedAfterTheAgentsStarted_ItsEventsAreDelivered()
    {
        await using var runnel = RunnelConnection.FromGrainFactory(_cluster.Client);
        var topic = StreamingCluster.Topic(StreamingCluster.Orders);
        var stream = _cluster.Client.GetStreamProvider(StreamingCluster.Provider).GetStream<string>(StreamId.Create(StreamingCluster.Orders, "late"));

        var missing = async () => await stream.OnNextAsync("too early").WaitAsync(Bound);
        (await missing.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic, "the provider may not create topics");

        await runnel.Admin.CreateTopicAsync(topic, 2);
        await stream.OnNextAsync("e0").WaitAsync(Bound);
        await stream.OnNextAsync("e1").WaitAsync(Bound);

        var recorder = _cluster.Client.GetGrain<IStreamRecorderGrain>("late");
        var seen = await Probe.UntilAsync(recorder.GetAsync, s => s.Length >= 2, Bound, "the events of a topic created late");
        seen.Select(e => e.Value).Should().Equal("e0", "e1");
    }
}
