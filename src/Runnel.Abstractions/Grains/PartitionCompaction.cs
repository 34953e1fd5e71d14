namespace Runnel.Grains;

/// <summary>What one compaction pass of a partition did (all zero when there was nothing to compact).</summary>
/// <param name="SegmentsCleaned">Sealed segments replaced by compacted ones.</param>
/// <param name="BytesRead">Bytes of the segments cleaned.</param>
/// <param name="BytesWritten">Bytes of the compacted segments that replaced them.</param>
/// <param name="RecordsRead">Records in the segments cleaned.</param>
/// <param name="RecordsKept">Records kept.</param>
/// <param name="FirstDirtyOffset">Every offset below this has been through compaction.</param>
[GenerateSerializer, Alias("runnel.PartitionCompaction")]
public sealed record PartitionCompaction(
    [property: Id(0)] int SegmentsCleaned,
    [property: Id(1)] long BytesRead,
    [property: Id(2)] long BytesWritten,
    [property: Id(3)] long RecordsRead,
    [property: Id(4)] long RecordsKept,
    [property: Id(5)] long FirstDirtyOffset);
