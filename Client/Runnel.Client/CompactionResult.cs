namespace Runnel.Client;

/// <summary>What one compaction pass of a partition did (all counts zero when there was nothing to compact).</summary>
/// <param name="Partition">The partition.</param>
/// <param name="SegmentsCleaned">Sealed segments replaced by compacted ones.</param>
/// <param name="BytesRead">Bytes of the segments cleaned.</param>
/// <param name="BytesWritten">Bytes of the compacted segments that replaced them.</param>
/// <param name="RecordsRead">Records in the segments cleaned.</param>
/// <param name="RecordsKept">Records kept.</param>
/// <param name="FirstDirtyOffset">Every offset below this has been through compaction.</param>
public sealed record CompactionResult(
    TopicPartition Partition, int SegmentsCleaned, long BytesRead, long BytesWritten, long RecordsRead, long RecordsKept, long FirstDirtyOffset);
