using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Runnel.Streaming.Internal;

/// <summary>
/// One partition's events on the silo that pulls it, in offset order, with the cursors Orleans delivers through.
/// <para>Each cursor holds the event it returned while that is being delivered, else its stream's next cached event.
/// The delivered watermark is the lowest offset any cursor still holds (the newest offset + 1 when none does); it moves forward only, and the receiver commits it as the group's offset, so a restarted agent
/// re-reads at most what was in delivery. Orleans pins new streams with a cursor until their subscribers are known,
/// so an event is never counted delivered before its stream's subscribers had their cursors.</para>
/// <para>Delivered events stay cached (the newest three quarters of <see cref="RunnelStreamOptions.CacheSize"/>) so
/// subscriptions can rewind to them; undelivered ones are never purged: a full cache of undelivered events puts the queue under pressure and the
/// agent stops reading.</para>
/// <para>A cursor asked for an offset older than the cache <em>backfills</em>: a reader of its own
/// (<see cref="IBackfillReader"/>) reads the partition from that offset, the cursor hands out its stream's events
/// from there and goes on in the cache once it reaches the cache's range, so a replay is in order and has no gap.
/// While the reader has nothing yet the cursor says "no data"; the reader then has the receiver wake the stream's
/// consumers (<see cref="RunnelWakeMarker"/>). A backfilling cursor holds neither the cache nor the watermark. A new
/// cursor at the very event another backfilling cursor of the stream just returned takes that cursor's reader over:
/// Orleans asks for one when a consumer refuses an event it already has, and a fresh reader would return it again.
/// An offset below the log start (known once a reader ran into it) is a <see cref="QueueCacheMissException"/>.</para>
/// <para>Not thread-safe: the pulling agent calls it on its own turn.</para>
/// </summary>
internal sealed class RunnelQueueCache(int capacity, QueueProgress progress, Func<StreamId, long, IBackfillReader>? backfill = null) : IQueueCache
{
    private readonly List<RunnelBatchContainer> _items = [];
    private readonly HashSet<Cursor> _cursors = [];
    private int _head; // _items[.._head] are purged slots, compacted now and then
    private long _nextOffset = -1; // the offset after the newest event added; -1 before the first
    private long _watermark = -1;

    private int Count => _items.Count - _head;

    /// <summary>The oldest offset the cache covers, or -1 before the first event.</summary>
    private long RangeStart => Count > 0 ? _items[_head].Offset : _nextOffset;

    public int GetMaxAddCount() => Math.Max(1, Math.Min(capacity - Count, 1024));

    public void AddToCache(IList<IBatchContainer> messages)
    {
        foreach (var message in messages)
        {
            if (message is RunnelBatchContainer item)
            {
                _items.Add(item);
                _nextOffset = item.Offset + 1;
            }
        }

        progress.CacheEnd = _nextOffset;
    }

    public bool TryPurgeFromCache(out IList<IBatchContainer> purgedItems)
    {
        var watermark = _nextOffset;
        foreach (var cursor in _cursors)
        {
            watermark = Math.Min(watermark, cursor.Hold);
        }

        var purged = new List<IBatchContainer>();
        // Delivered events beyond three quarters of the capacity go, so a cache of delivered events is never under
        // pressure (which would stop the agent reading for good) and a quarter stays free for the next reads.
        while (Count > capacity - (capacity / 4) && _items[_head].Offset < watermark)
        {
            purged.Add(_items[_head]);
            _items[_head++] = null!;
        }

        if (_head > 0 && _head >= _items.Count / 2)
        {
            _items.RemoveRange(0, _head);
            _head = 0;
        }

        var advanced = watermark > _watermark;
        if (advanced)
        {
            _watermark = watermark;
            progress.Delivered = watermark;
        }

        purgedItems = purged;
        return advanced || purged.Count > 0;
    }

    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        Cursor cursor;
        if (token is null)
        {
            // As Orleans' caches: from the newest cached event (inclusive), or the next to arrive.
            cursor = new Cursor(this, streamId, Count > 0 ? _items[^1].Offset : Math.Max(_nextOffset, 0));
        }
        else
        {
            var position = token.SequenceNumber;
            var rangeStart = RangeStart;
            var logStart = progress.LogStart;
            if (rangeStart >= 0 && position < rangeStart && (backfill is null || position < logStart))
            {
                throw new QueueCacheMissException(token,
                    new EventSequenceTokenV2(backfill is null ? rangeStart : logStart),
                    Count > 0 ? _items[^1].Token : new EventSequenceTokenV2(_nextOffset));
            }

            cursor = new Cursor(this, streamId, position);
            if (rangeStart >= 0 && position < rangeStart)
            {
                if (TakeOverFrom(streamId, position) is { } taken)
                {
                    cursor.StartBackfill(taken);
                }
                else
                {
                    cursor.StartBackfill(backfill!(streamId, position));
                }
            }
        }

        _cursors.Add(cursor);
        return cursor;
    }

    public bool IsUnderPressure() => Count >= capacity;

    /// <summary>The backfill of a cursor of <paramref name="streamId"/> whose current event is at
    /// <paramref name="offset"/>, taken from it (with that event), or null.</summary>
    private (IBackfillReader Reader, RunnelBatchContainer Current)? TakeOverFrom(StreamId streamId, long offset)
    {
        foreach (var other in _cursors)
        {
            if (other.TryGiveUpBackfill(streamId, offset) is { } taken)
            {
                return taken;
            }
        }

        return null;
    }

    /// <summary>The index of the first cached event at or after <paramref name="offset"/>.</summary>
    private int IndexOf(long offset)
    {
        int lo = _head, hi = _items.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_items[mid].Offset < offset)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private sealed class Cursor(RunnelQueueCache cache, StreamId streamId, long position) : IQueueCacheCursor
    {
        private RunnelBatchContainer? _current;
        private IBackfillReader? _backfill; // non-null while the cursor reads below the cache
        private RunnelBatchContainer? _pending; // the event a taken-over backfill returned last, returned first

        /// <summary>The lowest offset this cursor has not finished with: the event in delivery, else its stream's next
        /// cached event, else none (the offset after the newest). A cursor waiting for its stream's next event must not
        /// hold back the other streams' events: that kept a cache under pressure for good. Nor does a backfilling
        /// cursor: it reads below the cache. Scans the cache from the cursor's position.</summary>
        public long Hold
        {
            get
            {
                if (_backfill is not null)
                {
                    return cache._nextOffset;
                }

                if (_current is not null)
                {
                    return _current.Offset;
                }

                var items = cache._items;
                for (var i = cache.IndexOf(position); i < items.Count; i++)
                {
                    if (items[i].StreamId.Equals(streamId))
                    {
                        return items[i].Offset;
                    }
                }

                return Math.Max(position, cache._nextOffset);
            }
        }

        public void StartBackfill(IBackfillReader reader) => _backfill = reader;

        public void StartBackfill((IBackfillReader Reader, RunnelBatchContainer Current) taken)
        {
            _backfill = taken.Reader;
            _pending = taken.Current;
        }

        /// <summary>This cursor's backfill and current event when it backfills <paramref name="stream"/> and its
        /// current event is at <paramref name="offset"/>; the cursor is left with nothing to return.</summary>
        public (IBackfillReader Reader, RunnelBatchContainer Current)? TryGiveUpBackfill(StreamId stream, long offset)
        {
            if (_backfill is null || _current is null || _current.Offset != offset || !stream.Equals(streamId))
            {
                return null;
            }

            var taken = (_backfill, _current);
            _backfill = null;
            _current = null;
            position = long.MaxValue;
            return taken;
        }

        public IBatchContainer? GetCurrent(out Exception? exception)
        {
            exception = null;
            return _current;
        }

        /// <summary>Throws what ended the backfill (<see cref="QueueCacheMissException"/> below the log start) rather
        /// than returning it as a cache miss: Orleans answers a returned miss by silently moving the consumer to the
        /// newest event, a thrown error reaches the subscriber's error handler first.</summary>
        public QueueCacheCursorMoveResult MoveNextWithResult() => MoveNext() ? QueueCacheCursorMoveResult.Success : QueueCacheCursorMoveResult.NoData;

        public bool MoveNext()
        {
            while (_backfill is { } backfill)
            {
                if (_pending is { } pending)
                {
                    _pending = null;
                    _current = pending;
                    position = pending.Offset + 1;
                    return true;
                }

                var rangeStart = cache.RangeStart;
                if (rangeStart >= 0 && position >= rangeStart)
                {
                    // Caught up with the cache: go on there.
                    backfill.Dispose();
                    _backfill = null;
                    break;
                }

                var readUpTo = backfill.ReadUpTo; // first: once the queue is empty, nothing below it is left
                if (backfill.TryRead(out var item))
                {
                    if (item.Offset >= position)
                    {
                        _current = item;
                        position = item.Offset + 1;
                        return true;
                    }

                    continue;
                }

                if (backfill.Failure is { } failure)
                {
                    _current = null;
                    throw failure;
                }

                if (readUpTo > position)
                {
                    position = readUpTo;
                    continue;
                }

                _current = null;
                return false;
            }

            var items = cache._items;
            for (var i = cache.IndexOf(position); i < items.Count; i++)
            {
                var item = items[i];
                position = item.Offset + 1;
                if (item.StreamId.Equals(streamId))
                {
                    _current = item;
                    return true;
                }
            }

            _current = null;
            position = Math.Max(position, cache._nextOffset);
            return false;
        }

        public void Refresh(StreamSequenceToken token)
        {
            // The position stays where the cursor is; new events are found by the next MoveNext.
        }

        public void RecordDeliveryFailure()
        {
            // Orleans' failure handler decides; the event counts as handled once the cursor moves on.
        }

        public void Dispose()
        {
            _backfill?.Dispose();
            _backfill = null;
            cache._cursors.Remove(this);
        }
    }
}
