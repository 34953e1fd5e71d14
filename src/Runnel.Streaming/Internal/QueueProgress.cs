using System.Collections.Concurrent;

namespace Runnel.Streaming.Internal;

/// <summary>
/// What a queue's cache, its receiver and its backfill readers tell each other. The cache writes the delivered
/// watermark (the next offset a restarted agent must read; the receiver commits it) and where it ends; backfill readers
/// queue wake-up requests the receiver turns into markers (see <see cref="RunnelWakeMarker"/>) and report the log start
/// they ran into. Cache and receiver run on the pulling agent's turn; readers on the thread pool, hence the volatile
/// fields and the concurrent queue.
/// </summary>
internal sealed class QueueProgress
{
    private long _delivered = -1;
    private long _cacheEnd = -1;
    private long _logStart = -1;

    /// <summary>-1 until the cache has seen a cursor pass something.</summary>
    public long Delivered
    {
        get => Volatile.Read(ref _delivered);
        set => Volatile.Write(ref _delivered, value);
    }

    /// <summary>The offset after the newest cached event; -1 before the first.</summary>
    public long CacheEnd
    {
        get => Volatile.Read(ref _cacheEnd);
        set => Volatile.Write(ref _cacheEnd, value);
    }

    /// <summary>The partition's log start offset as a backfill last found it (retention or DeleteRecords moved it
    /// there); -1 while none has run into it. Only rises.</summary>
    public long LogStart => Volatile.Read(ref _logStart);

    /// <summary>Backfill readers that have read something since their cursor was last woken.</summary>
    public ConcurrentQueue<IBackfillReader> Wakes { get; } = new();

    public void RaiseLogStart(long offset)
    {
        var current = Volatile.Read(ref _logStart);
        while (offset > current)
        {
            var seen = Interlocked.CompareExchange(ref _logStart, offset, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
