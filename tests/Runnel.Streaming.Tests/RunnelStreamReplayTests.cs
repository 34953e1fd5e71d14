using System.Threading.Channels;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Orleans.TestingHost;
using Runnel.Client;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Streaming.Tests;

/// <summary>Replay from any offset still in the log: a subscription from a token far older than the pulling agent's
/// cache (64 events here) reads the partition from there, then goes on with live events.</summary>
public sealed class RunnelStreamReplayTests : IAsyncLifetime
{
    private const int Events = 2000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _directory = new("streams-replay");
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = StreamingCluster.Build(new FileObjectStore(_directory.Path), configure: o => o.CacheSize = 64);
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    private IAsyncStream<string> Stream(string key) =>
        _cluster.Client.GetStreamProvider(StreamingCluster.Provider).GetStream<string>(StreamId.Create(StreamingCluster.Audit, key));

    /// <summary>Writes events <paramref name="from"/>.. in order (batches of 100: one append each) and returns when all
    /// are durable.</summary>
    private static async Task ProduceAsync(IAsyncStream<string> stream, string key, int from, int count)
    {
        for (var i = from; i < from + count; i += 100)
        {
            await stream.OnNextBatchAsync(Enumerable.Range(i, Math.Min(100, from + count - i)).Select(n => $"{key}:{n}")).WaitAsync(Bound);
        }
    }

    /// <summary>Writes <see cref="Events"/> events and waits until a live subscriber has them all (so the agent
    /// pulled them and its cache of 64 dropped the old ones); returns their offsets.</summary>
    private async Task<long[]> ProduceAndDeliverAsync(IAsyncStream<string> stream, string key)
    {
        var live = Channel.CreateUnbounded<SeenEvent>();
        await stream.SubscribeAsync((value, token) => live.Writer.WriteAsync(new SeenEvent(value, token!.SequenceNumber)).AsTask());
        await ProduceAsync(stream, key, 0, Events);
        var seen = await ReadAsync(live.Reader, Events);
        seen.Select(e => e.Value).Should().Equal(Expected(key, 0, Events), "the live subscriber gets every event in order");
        return seen.Select(e => e.Offset).ToArray();
    }

    [Fact]
    public async Task SubscriptionFromTheFirstEventsToken_FarOlderThanTheCache_ReplaysAllInOrder_ThenTheLiveEvents()
    {
        const string key = "replay-all";
        var stream = Stream(key);
        var offsets = await ProduceAndDeliverAsync(stream, key);

        var replay = Channel.CreateUnbounded<SeenEvent>();
        await stream.SubscribeAsync((value, token) => replay.Writer.WriteAsync(new SeenEvent(value, token!.SequenceNumber)).AsTask(),
            new EventSequenceTokenV2(offsets[0]));
        var first = await ReadAsync(replay.Reader, 500);
        // Live events written while the replay is under way arrive after it, in order.
        await ProduceAsync(stream, key, Events, 200);
        var rest = await ReadAsync(replay.Reader, Events + 200 - 500);

        var all = first.Concat(rest).ToList();
        all.Select(e => e.Value).Should().Equal(Expected(key, 0, Events + 200));
        all.Select(e => e.Offset).Take(Events).Should().Equal(offsets);
        all.Select(e => e.Offset).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task SubscriptionFromTheMiddle_ReplaysFromThatEvent()
    {
        const string key = "replay-middle";
        var stream = Stream(key);
        var offsets = await ProduceAndDeliverAsync(stream, key);

        var replay = Channel.CreateUnbounded<SeenEvent>();
        await stream.SubscribeAsync((value, token) => replay.Writer.WriteAsync(new SeenEvent(value, token!.SequenceNumber)).AsTask(),
            new EventSequenceTokenV2(offsets[Events / 2]));
        var seen = await ReadAsync(replay.Reader, Events / 2);

        seen.Select(e => e.Value).Should().Equal(Expected(key, Events / 2, Events / 2));
        await ProduceAsync(stream, key, Events, 1);
        (await ReadAsync(replay.Reader, 1)).Single().Value.Should().Be($"{key}:{Events}", "the replay goes on with live events");
    }

    [Fact]
    public async Task SubscriptionFromATokenBelowTheLogStart_GetsAQueueCacheMiss_ThenLiveEvents()
    {
        const string key = "replay-deleted";
        var stream = Stream(key);
        var offsets = await ProduceAndDeliverAsync(stream, key);
        await using var runnel = RunnelConnection.FromGrainFactory(_cluster.Client);
        var partition = new TopicPartition(StreamingCluster.Topic(StreamingCluster.Audit),
            Murmur2Partitioner.Instance.Partition(StreamingCluster.Topic(StreamingCluster.Audit), System.Text.Encoding.UTF8.GetBytes(key), false, 2));
        await runnel.Admin.DeleteRecordsAsync(partition, offsets[Events / 2]);

        var errors = Channel.CreateUnbounded<Exception>();
        var replay = Channel.CreateUnbounded<SeenEvent>();
        await stream.SubscribeAsync(
            (value, token) => replay.Writer.WriteAsync(new SeenEvent(value, token!.SequenceNumber)).AsTask(),
            e => errors.Writer.WriteAsync(e).AsTask(),
            new EventSequenceTokenV2(offsets[0]));

        var error = (await ReadAsync(errors.Reader, 1)).Single();
        error.Should().BeOfType<QueueCacheMissException>().Which.Low.Should().Contain($"SeqNum={offsets[Events / 2]}", "the error names the log start");
        // Orleans then starts the subscription where a subscription without a token starts: at the newest cached event.
        await ProduceAsync(stream, key, Events, 1);
        var after = await ReadUntilAsync(replay.Reader, e => e.Value == $"{key}:{Events}");
        after.Select(e => e.Offset).Should().OnlyContain(o => o >= offsets[Events - 1], "nothing below the log start, nor a replay");
    }

    private static async Task<List<SeenEvent>> ReadUntilAsync(ChannelReader<SeenEvent> reader, Func<SeenEvent, bool> last)
    {
        var items = new List<SeenEvent>();
        using var timeout = new CancellationTokenSource(Bound);
        while (items.Count == 0 || !last(items[^1]))
        {
            items.Add(await reader.ReadAsync(timeout.Token));
        }

        return items;
    }

    private static IEnumerable<string> Expected(string key, int from, int count) => Enumerable.Range(from, count).Select(i => $"{key}:{i}");

    private static async Task<List<T>> ReadAsync<T>(ChannelReader<T> reader, int count)
    {
        var items = new List<T>();
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            while (items.Count < count)
            {
                items.Add(await reader.ReadAsync(timeout.Token));
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{items.Count} of {count} items within {Bound}; the last: {items.LastOrDefault()}");
        }

        return items;
    }
}
