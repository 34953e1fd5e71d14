namespace Runnel.Log;

/// <summary>The offset asked for lies outside [log start offset, high watermark]. <c>partition</c> is the name users
/// know (<see cref="PartitionPaths.DisplayName"/>, e.g. <c>orders[0]</c>), not the storage prefix.</summary>
[GenerateSerializer, Alias("runnel.OffsetOutOfRangeException")]
public sealed class OffsetOutOfRangeException(string partition, long offset, long logStartOffset, long highWatermark)
    : RunnelException(RunnelErrorCode.OffsetOutOfRange, $"Offset {offset} is out of range for {partition}: valid offsets are [{logStartOffset}, {highWatermark}].")
{
    [Id(0)]
    public long Offset { get; } = offset;

    [Id(1)]
    public long LogStartOffset { get; } = logStartOffset;

    [Id(2)]
    public long HighWatermark { get; } = highWatermark;
}
