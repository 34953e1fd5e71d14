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
/// agent stops reading. Not thread-safe: the pulling agent calls it on its own turn.</para>
/// </summary>
internal sealed class RunnelQueueCache(int capacity, QueueProgress progress) : IQueueCache
{
    private readonly List<RunnelBatchContainer> _items = [];
    private readonly HashSet<Cursor> _cursors = [];
    private int _head; // _items[.._head] are purged slots, compacted now and then
    private long _nextOffset = -1; // the offset after the newest event added; -1 before the first
    private long _watermark = -1;

    private int Count => _items.Count - _head;

    public int GetMaxAddCount() => Math.Max(1, Math.Min(capacity - Count, 1024));

    public void AddToCache(IList<IBatchContainer> messages)
    {
        foreach (var message in messages)
        {
            var item = (RunnelBatchContainer)message;
            _items.Add(item);
            _nextOffset = item.Offset + 1;
        }
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
        long position;
        if (token is null)
        {
            // As Orleans' caches: from the newest cached event (inclusive), or the next to arrive.
            position = Count > 0 ? _items[^1].Offset : Math.Max(_nextOffset, 0);
        }
        else
        {
            position = token.SequenceNumber;
            var oldest = Count > 0 ? _items[_head].Offset : _nextOffset;
            if (oldest >= 0 && position < oldest)
            {
                throw new QueueCacheMissException(token,
                    Count > 0 ? _items[_head].Token : new EventSequenceTokenV2(_nextOffset),
                    Count > 0 ? _items[^1].Token : new EventSequenceTokenV2(_nextOffset));
            }
        }

        var cursor = new Cursor(this, streamId, position);
        _cursors.Add(cursor);
        return cursor;
    }

    public bool IsUnderPressure() => Count >= capacity;

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

        /// <summary>The lowest offset this cursor has not finished with: the event in delivery, else its stream's next
        /// cached event, else none (the offset after the newest). A cursor waiting for its stream's next event must not
        /// hold back the other streams' events: that kept a cache under pressure for good. Scans the cache from the
        /// cursor's position.</summary>
        public long Hold
        {
            get
            {
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

        public IBatchContainer? GetCurrent(out Exception? exception)
        {
            exception = null;
            return _current;
        }

        public bool MoveNext()
        {
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

        public void Dispose() => cache._cursors.Remove(this);
    }
}
