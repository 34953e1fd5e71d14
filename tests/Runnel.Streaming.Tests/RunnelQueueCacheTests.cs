// MoveNext is what the cache implements; Orleans 10.4 marks it obsolete in favour of MoveNextWithResult, whose default calls it.
#pragma warning disable CS0618
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Runnel.Streaming.Internal;

namespace Runnel.Streaming.Tests;

/// <summary>The queue cache on its own: the delivered watermark, rewind, and pressure.</summary>
public sealed class RunnelQueueCacheTests
{
    private static readonly StreamId A = StreamId.Create("ns", "a");
    private static readonly StreamId B = StreamId.Create("ns", "b");

    private static List<IBatchContainer> Events(long from, int count, StreamId stream) =>
        Enumerable.Range(0, count).Select(i => (IBatchContainer)new RunnelBatchContainer(stream, new EventSequenceTokenV2(from + i), $"e{from + i}")).ToList();

    [Fact]
    public void FullCacheOfDeliveredEvents_Purge_RelievesThePressure()
    {
        var progress = new QueueProgress();
        var cache = new RunnelQueueCache(16, progress);
        cache.AddToCache(Events(0, 16, A));
        using var cursor = cache.GetCacheCursor(A, new EventSequenceTokenV2(0));
        while (cursor.MoveNext())
        {
        }

        cache.IsUnderPressure().Should().BeTrue("16 events fill a cache of 16");
        cache.TryPurgeFromCache(out var purged).Should().BeTrue();

        cache.IsUnderPressure().Should().BeFalse("delivered events make room");
        purged.Should().HaveCount(4);
        progress.Delivered.Should().Be(16);
    }

    [Fact]
    public void CursorInDelivery_HoldsTheWatermark_AndUndeliveredEventsStay()
    {
        var progress = new QueueProgress();
        var cache = new RunnelQueueCache(16, progress);
        cache.AddToCache(Events(0, 8, A));
        cache.AddToCache(Events(8, 8, B));
        using var cursor = cache.GetCacheCursor(A, new EventSequenceTokenV2(0));
        cursor.MoveNext().Should().BeTrue();
        cursor.MoveNext().Should().BeTrue();

        cache.TryPurgeFromCache(out var purged);
        progress.Delivered.Should().Be(1, "event 1 is being delivered");
        purged.Select(e => e.SequenceToken.SequenceNumber).Should().Equal([0L], "only what every cursor has passed may go");
    }

    [Fact]
    public void CursorFromAToken_InTheCache_ReplaysTheStreamFromThere_AndOlderIsAMiss()
    {
        var cache = new RunnelQueueCache(64, new QueueProgress());
        cache.AddToCache(Events(10, 5, A));
        cache.AddToCache(Events(15, 5, B));
        cache.AddToCache(Events(20, 5, A));
        using var cursor = cache.GetCacheCursor(A, new EventSequenceTokenV2(13));
        var seen = new List<long>();
        while (cursor.MoveNext())
        {
            seen.Add(cursor.GetCurrent(out _)!.SequenceToken.SequenceNumber);
        }

        seen.Should().Equal(13, 14, 20, 21, 22, 23, 24);
        var miss = () => cache.GetCacheCursor(A, new EventSequenceTokenV2(9));
        miss.Should().Throw<QueueCacheMissException>();
    }

    [Fact]
    public void IdleCursor_DoesNotHoldOtherStreamsEvents_ButHoldsItsOwnNextEvent()
    {
        var progress = new QueueProgress();
        var cache = new RunnelQueueCache(16, progress);
        cache.AddToCache(Events(0, 2, A));
        using var a = cache.GetCacheCursor(A, new EventSequenceTokenV2(0));
        while (a.MoveNext())
        {
        }

        // A has delivered everything; B's events arrive and are delivered; A's cursor idles at offset 2.
        cache.AddToCache(Events(2, 13, B));
        using (var b = cache.GetCacheCursor(B, new EventSequenceTokenV2(2)))
        {
            while (b.MoveNext())
            {
            }
        }

        cache.AddToCache(Events(15, 1, B));
        cache.TryPurgeFromCache(out _);
        progress.Delivered.Should().Be(16, "an idle cursor waits for its stream's next event, not for the others'");
        cache.IsUnderPressure().Should().BeFalse();

        cache.AddToCache(Events(16, 1, A));
        cache.TryPurgeFromCache(out _);
        progress.Delivered.Should().Be(16, "A's new event is not delivered yet");
    }

    [Fact]
    public void CursorOlderThanTheCache_Backfills_ThenGoesOnInTheCache_WithoutHoldingIt()
    {
        var progress = new QueueProgress();
        var readers = new List<FakeBackfill>();
        var cache = new RunnelQueueCache(16, progress, (stream, from) =>
        {
            var reader = new FakeBackfill(stream, from);
            readers.Add(reader);
            return reader;
        });
        cache.AddToCache(Events(100, 4, A));
        cache.AddToCache(Events(104, 4, B));

        using var cursor = cache.GetCacheCursor(A, new EventSequenceTokenV2(90));
        readers.Should().ContainSingle().Which.From.Should().Be(90);
        cursor.MoveNext().Should().BeFalse("nothing is read yet");
        cache.TryPurgeFromCache(out _);
        progress.Delivered.Should().Be(108, "a backfilling cursor holds nothing in the cache");

        readers[0].Add(92, A);
        readers[0].Add(95, A);
        readers[0].ReadUpTo = 97;
        var seen = Drain(cursor);
        seen.Should().Equal(92, 95);

        readers[0].ReadUpTo = 100;
        cache.AddToCache(Events(108, 2, A));
        seen = Drain(cursor);
        seen.Should().Equal(100, 101, 102, 103, 108, 109);
        readers[0].IsDisposed.Should().BeTrue("the cursor went on in the cache");
    }

    [Fact]
    public void NewCursorAtTheEventABackfillJustReturned_TakesItsReaderOver()
    {
        var progress = new QueueProgress();
        var readers = new List<FakeBackfill>();
        var cache = new RunnelQueueCache(16, progress, (stream, from) =>
        {
            var reader = new FakeBackfill(stream, from);
            readers.Add(reader);
            return reader;
        });
        cache.AddToCache(Events(100, 4, A));
        var first = cache.GetCacheCursor(A, new EventSequenceTokenV2(90));
        readers[0].Add(92, A);
        readers[0].Add(95, A);
        first.MoveNext().Should().BeTrue();

        // Orleans: the consumer refused event 92 (it had it); a new cursor at 92 is advanced past it.
        using var second = cache.GetCacheCursor(A, new EventSequenceTokenV2(92));
        first.Dispose();
        readers.Should().ContainSingle("the reader was taken over, not started again");
        readers[0].IsDisposed.Should().BeFalse();
        readers[0].ReadUpTo = 100;
        Drain(second).Should().Equal(92, 95, 100, 101, 102, 103);
    }

    [Fact]
    public void BackfillBelowTheLogStart_ThrowsAMiss_AndLaterCursorsThereMissAtOnce()
    {
        var progress = new QueueProgress();
        FakeBackfill? reader = null;
        var cache = new RunnelQueueCache(16, progress, (stream, from) => reader = new FakeBackfill(stream, from));
        cache.AddToCache(Events(100, 4, A));
        using var cursor = cache.GetCacheCursor(A, new EventSequenceTokenV2(10));
        reader!.Failure = new QueueCacheMissException(new EventSequenceTokenV2(10), new EventSequenceTokenV2(50), new EventSequenceTokenV2(103));
        progress.RaiseLogStart(50);

        var move = () => cursor.MoveNext();
        move.Should().Throw<QueueCacheMissException>();
        var miss = () => cache.GetCacheCursor(A, new EventSequenceTokenV2(10));
        miss.Should().Throw<QueueCacheMissException>().Which.Low.Should().Contain("SeqNum=50");
        using var above = cache.GetCacheCursor(A, new EventSequenceTokenV2(60));
    }

    private static List<long> Drain(IQueueCacheCursor cursor)
    {
        var seen = new List<long>();
        while (cursor.MoveNext())
        {
            seen.Add(cursor.GetCurrent(out _)!.SequenceToken.SequenceNumber);
        }

        return seen;
    }

    private sealed class FakeBackfill(StreamId stream, long from) : IBackfillReader
    {
        private readonly Queue<RunnelBatchContainer> _items = new();

        public long From { get; } = from;

        public StreamId StreamId { get; } = stream;

        public long ReadUpTo { get; set; } = from;

        public Exception? Failure { get; set; }

        public bool IsDisposed { get; private set; }

        public void Add(long offset, StreamId streamId) => _items.Enqueue(new RunnelBatchContainer(streamId, new EventSequenceTokenV2(offset), $"e{offset}"));

        public bool TryRead([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RunnelBatchContainer? item) => _items.TryDequeue(out item);

        public void WakeTaken()
        {
        }

        public void Dispose() => IsDisposed = true;
    }
}
