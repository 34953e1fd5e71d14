namespace Runnel.Grains;

/// <summary>A partition's watermarks.</summary>
[GenerateSerializer, Alias("runnel.PartitionOffsets")]
public sealed record PartitionOffsets(
    [property: Id(0)] long LogStartOffset,
    [property: Id(1)] long HighWatermark,
    [property: Id(2)] long LastStableOffset);
