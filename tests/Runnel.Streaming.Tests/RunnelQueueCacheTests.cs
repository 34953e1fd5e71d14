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
}
