using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers.Streams.Common;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.TestingHost;
using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.Streaming.Tests;

/// <summary>Orleans streams on the Runnel provider, one silo: subscriptions, rewind, and the records as Runnel sees them.</summary>
public sealed class RunnelStreamProviderTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = StreamingCluster.Bound;
    private readonly TempDirectory _directory = new("streams");
    private InProcessTestCluster _cluster = null!;
    private RunnelConnection _runnel = null!;

    public async Task InitializeAsync()
    {
        _cluster = StreamingCluster.Build(new FileObjectStore(_directory.Path));
        await _cluster.DeployAsync();
        _runnel = RunnelConnection.FromGrainFactory(_cluster.Client);
    }

    public async Task DisposeAsync()
    {
        await _runnel.DisposeAsync();
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    private IAsyncStream<T> Stream<T>(string ns, string key) =>
        _cluster.Client.GetStreamProvider(StreamingCluster.Provider).GetStream<T>(StreamId.Create(ns, key));

    [Fact]
    public async Task ImplicitSubscription_EventsThroughTheStream_ArriveInOrderWithRisingOffsets()
    {
        var stream = Stream<string>(StreamingCluster.Orders, "order-1");
        for (var i = 0; i < 20; i++)
        {
            await stream.OnNextAsync($"e{i}").WaitAsync(Bound);
        }

        var recorder = _cluster.Client.GetGrain<IStreamRecorderGrain>("order-1");
        var seen = await Probe.UntilAsync(recorder.GetAsync, s => s.Length >= 20, Bound, "the implicit subscriber got 20 events");

        seen.Select(e => e.Value).Should().Equal(Enumerable.Range(0, 20).Select(i => $"e{i}"));
        seen.Select(e => e.Offset).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task ExplicitSubscription_FromAnEarlierToken_ReplaysFromThatEvent()
    {
        var stream = Stream<string>(StreamingCluster.Audit, "audit-1");
        var first = Channel.CreateUnbounded<SeenEvent>();
        await stream.SubscribeAsync((value, token) => first.Writer.WriteAsync(new SeenEvent(value, token!.SequenceNumber)).AsTask());
        for (var i = 0; i < 10; i++)
        {
            await stream.OnNextAsync($"a{i}").WaitAsync(Bound);
        }

        var live = await ReadAsync(first.Reader, 10);
        live.Select(e => e.Value).Should().Equal(Enumerable.Range(0, 10).Select(i => $"a{i}"));

        // A second subscription while the first stays (the agent drops a stream with no subscriber until its next event).
        var replay = Channel.CreateUnbounded<SeenEvent>();
        await stream.SubscribeAsync((value, token) => replay.Writer.WriteAsync(new SeenEvent(value, token!.SequenceNumber)).AsTask(),
            new EventSequenceTokenV2(live[3].Offset));
        var replayed = await ReadAsync(replay.Reader, 7);

        replayed.Should().Equal(live.Skip(3));
    }

    [Fact]
    public async Task StreamEvents_AreRunnelRecords_WithTheStreamInTheirKeyAndHeaders()
    {
        var stream = Stream<string>(StreamingCluster.Audit, "audit-7");
        await stream.OnNextAsync("hello").WaitAsync(Bound);
        await stream.OnNextAsync("world").WaitAsync(Bound);

        var key = Encoding.UTF8.GetBytes("audit-7");
        var partition = Murmur2Partitioner.Instance.Partition(StreamingCluster.Topic(StreamingCluster.Audit), key, false, 2);
        await using var consumer = _runnel.CreateConsumer<byte[], byte[]>(ConsumerOptions.Default);
        consumer.Assign([new TopicPartitionOffset(StreamingCluster.Topic(StreamingCluster.Audit), partition, Offset.Beginning)]);
        var records = new List<ConsumeResult<byte[], byte[]>>();
        using var timeout = new CancellationTokenSource(Bound);
        await foreach (var record in consumer.ConsumeAsync(timeout.Token))
        {
            records.Add(record);
            if (records.Count == 2)
            {
                break;
            }
        }

        var serializer = _cluster.Client.ServiceProvider.GetRequiredService<Serializer<object>>();
        records.Select(r => serializer.Deserialize(r.Message.Value!)).Should().Equal("hello", "world");
        foreach (var record in records)
        {
            record.Message.Key.Should().Equal(key);
            Header(record, RunnelStreamHeaders.Namespace).Should().Be(StreamingCluster.Audit);
            Header(record, RunnelStreamHeaders.Payload).Should().Be(RunnelStreamHeaders.OrleansPayload);
            Header(record, RunnelStreamHeaders.EventType).Should().StartWith("System.String, ");
        }
    }

    [Fact]
    public async Task RunnelProducerRecord_WithTheStreamKey_ReachesASubscriberAsBytes()
    {
        var stream = Stream<byte[]>(StreamingCluster.Raw, "device-3");
        var seen = Channel.CreateUnbounded<byte[]>();
        await stream.SubscribeAsync((value, _) => seen.Writer.WriteAsync(value).AsTask());

        await using var producer = _runnel.CreateProducer<string, byte[]>();
        // No headers: the topic carries one namespace, the key is the stream key, the value the event's bytes.
        await producer.ProduceAsync(StreamingCluster.Topic(StreamingCluster.Raw), new Message<string, byte[]> { Key = "device-3", Value = [1, 2, 3] }).WaitAsync(Bound);

        var received = await ReadAsync(seen.Reader, 1);
        received[0].Should().Equal(1, 2, 3);
    }

    private static string? Header(ConsumeResult<byte[], byte[]> record, string key) =>
        record.Message.Headers!.TryGetLastValue(key, out var value) && value is not null ? Encoding.UTF8.GetString(value) : null;

    private static async Task<List<T>> ReadAsync<T>(ChannelReader<T> reader, int count)
    {
        var items = new List<T>();
        using var timeout = new CancellationTokenSource(Bound);
        while (items.Count < count)
        {
            items.Add(await reader.ReadAsync(timeout.Token));
        }

        return items;
    }
}
