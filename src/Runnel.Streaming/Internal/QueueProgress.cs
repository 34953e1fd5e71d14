namespace Runnel.Streaming.Internal;

/// <summary>
/// What a queue's cache tells its receiver: the offset below which every cached event has been delivered to every
/// cursor (the next offset a restarted agent must read). The cache writes it, the receiver commits it; both run on the
/// pulling agent's turn, the volatile access is for the receiver's shutdown.
/// </summary>
internal sealed class QueueProgress
{
    private long _delivered = -1;

    /// <summary>-1 until the cache has seen a cursor pass something.</summary>
    public long Delivered
    {
        get => Volatile.Read(ref _delivered);
        set => Volatile.Write(ref _delivered, value);
    }
}
