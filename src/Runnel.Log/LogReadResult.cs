namespace Runnel.Log;

/// <summary>
/// The answer to a read: whole record batches back to back, starting with the batch that holds the offset asked for
/// (so the first batch may begin before it), and the watermarks at the time of the read.
/// </summary>
/// <param name="Batches">Stored batch bytes, unchanged. May be a slice of the log's tail cache: immutable, and valid
/// for as long as the caller holds it. Empty when the offset asked for equals the high watermark.</param>
/// <param name="LogStartOffset">The first readable offset.</param>
/// <param name="HighWatermark">One past the last durable offset.</param>
/// <param name="LastStableOffset">One past the last offset a read-committed consumer may see.</param>
public sealed record LogReadResult(ReadOnlyMemory<byte> Batches, long LogStartOffset, long HighWatermark, long LastStableOffset)
{
    /// <summary>For a read_committed read: the aborted transactions overlapping the batches returned. Empty otherwise.</summary>
    public IReadOnlyList<Runnel.Grains.AbortedTransaction> AbortedTransactions { get; init; } = [];
}
