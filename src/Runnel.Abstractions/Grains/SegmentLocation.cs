namespace Runnel.Grains;

/// <summary>
/// Where an offset lies in one of a partition's sealed segments, for a client that reads the store itself
/// (<see cref="IPartitionGrain.LocateSealedAsync"/>): the segment's blob name, the byte position of a stored batch at or
/// before the offset (the batches from there on are whole RecordBatch v2 bytes, back to back; those ending before the
/// offset are the reader's to skip), and the segment's sealed length, below which its bytes never change. Retention or a
/// compaction swap may delete the blob at any time: a reader that finds it gone reads through the partition instead.
/// </summary>
[GenerateSerializer, Immutable, Alias("runnel.SegmentLocation")]
public sealed record SegmentLocation(
    [property: Id(0)] string Segment,
    [property: Id(1)] long Position,
    [property: Id(2)] long SealedLength,
    [property: Id(3)] long BaseOffset,
    [property: Id(4)] long LastOffset,
    [property: Id(5)] long LogStartOffset,
    [property: Id(6)] long HighWatermark)
{
    /// <summary>The partition's last stable offset when located: a read_committed reader reads no batch at or past it.</summary>
    [Id(7)]
    public long LastStableOffset { get; init; } = HighWatermark;

    /// <summary>The aborted transactions whose range overlaps the segment from <see cref="Position"/> on (for
    /// read_committed readers, as <see cref="FetchResponse.AbortedTransactions"/>).</summary>
    [Id(8)]
    public IReadOnlyList<AbortedTransaction> AbortedTransactions { get; init; } = [];
}
