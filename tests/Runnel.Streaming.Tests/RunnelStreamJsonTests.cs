using System.Text;
using System.Threading.Channels;
using Orleans.Streams;
using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Streaming.Tests;

/// <summary>An event type written as JSON by a provider with <see cref="RunnelStreamPayloadFormat.Json"/>.</summary>
[GenerateSerializer]
public sealed record OrderPlaced([property: Id(0)] string Id, [property: Id(1)] int Quantity);

/// <summary>The JSON payload option: events are System.Text.Json records a plain consumer can read, and come back typed.</summary>
public sealed class RunnelStreamJsonTests : IDisposable
{
    private readonly TempDirectory _directory = new("streams-json");

    [Fact]
    public async Task JsonPayload_IsReadableJson_AndReachesATypedSubscriber()
    {
        var cluster = StreamingCluster.Build(new FileObjectStore(_directory.Path), configure: o => o.PayloadFormat = RunnelStreamPayloadFormat.Json);
        await cluster.DeployAsync();
        try
        {
            var stream = cluster.Client.GetStreamProvider(StreamingCluster.Provider).GetStream<OrderPlaced>(StreamId.Create(StreamingCluster.Audit, "json-1"));
            var seen = Channel.CreateUnbounded<OrderPlaced>();
            await stream.SubscribeAsync((value, _) => seen.Writer.WriteAsync(value).AsTask());
            await stream.OnNextAsync(new OrderPlaced("o-1", 3)).WaitAsync(StreamingCluster.Bound);

            using var timeout = new CancellationTokenSource(StreamingCluster.Bound);
            (await seen.Reader.ReadAsync(timeout.Token)).Should().Be(new OrderPlaced("o-1", 3));

            await using var runnel = RunnelConnection.FromGrainFactory(cluster.Client);
            var topic = StreamingCluster.Topic(StreamingCluster.Audit);
            var partition = Murmur2Partitioner.Instance.Partition(topic, Encoding.UTF8.GetBytes("json-1"), false, 2);
            await using var consumer = runnel.CreateConsumer<string, string>(ConsumerOptions.Default);
            consumer.Assign([new TopicPartitionOffset(topic, partition, Offset.Beginning)]);
            await foreach (var record in consumer.ConsumeAsync(timeout.Token))
            {
                record.Message.Key.Should().Be("json-1");
                record.Message.Value.Should().Be("{\"Id\":\"o-1\",\"Quantity\":3}");
                record.Message.Headers!.TryGetLastValue(RunnelStreamHeaders.Payload, out var payload).Should().BeTrue();
                Encoding.UTF8.GetString(payload!).Should().Be(RunnelStreamHeaders.JsonPayload);
                break;
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    public void Dispose() => _directory.Dispose();
}
