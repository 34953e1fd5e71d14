using Runnel.Buffers;

namespace Runnel.Client.Internal;

/// <summary>
/// One fetch response for one partition at one seek version, kept as the stored batch bytes (not decoded): the
/// records at or after <see cref="StartOffset"/> are handed out either as one <see cref="ConsumedBatch"/> or, record by
/// record, as consume results decoded when the application gets to the chunk. Or an error to raise.
/// </summary>
internal sealed class FetchedChunk
{
    public FetchedChunk(FetchState state, int version, ReadOnlyMemory<byte> batches, FetchSummary summary, long highWatermark)
    {
        State = state;
        Version = version;
        Batches = batches;
        StartOffset = summary.StartOffset;
        RecordCount = summary.RecordCount;
        LastOffset = summary.LastOffset;
        HighWatermark = highWatermark;
    }

    public FetchedChunk(FetchState state, int version, RunnelException error)
    {
        State = state;
        Version = version;
        Error = error;
    }

    public FetchState State { get; }

    public int Version { get; }

    /// <summary>Whole stored batches as fetched; the first may start before <see cref="StartOffset"/>. Usually a pooled
    /// buffer's (the fetch response's, see <see cref="Grains.FetchResponse"/>): valid until <see cref="ReleaseBytes"/>.</summary>
    public ReadOnlyMemory<byte> Batches { get; }

    /// <summary>The offset the fetch asked for: records before it are skipped.</summary>
    public long StartOffset { get; }

    /// <summary>Records at or after <see cref="StartOffset"/>, control batches excluded.</summary>
    public int RecordCount { get; }

    /// <summary>The offset of the last of those records.</summary>
    public long LastOffset { get; }

    public long HighWatermark { get; }

    /// <summary>The consume results (typed by the consumer), decoded on first use by the per-record enumeration.</summary>
    public IReadOnlyList<object>? Records { get; set; }

    /// <summary>The next record of <see cref="Records"/> to hand out.</summary>
    public int Index { get; set; }

    public RunnelException? Error { get; }

    private int _released;

    /// <summary>Gives the pooled buffer behind <see cref="Batches"/> back (once; later calls do nothing): call it when no
    /// record or batch handed out from the chunk can be read any more. A chunk dropped without it (a seek, an unassign)
    /// leaves its buffer to the GC.</summary>
    public void ReleaseBytes()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0 && PooledBuffer.TryGetFrom(Batches, out var buffer))
        {
            buffer.Release();
        }
    }
}
