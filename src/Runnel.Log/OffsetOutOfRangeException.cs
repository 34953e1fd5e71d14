namespace Runnel.Log;

/// <summary>The offset asked for lies outside [log start offset, high watermark]. <c>partition</c> is the name users
/// know (<see cref="PartitionPaths.DisplayName"/>, e.g. <c>orders[0]</c>), not the storage prefix.</summary>
public sealed class OffsetOutOfRangeException(string partition, long offset, long logStartOffset, long highWatermark)
    : RunnelException(RunnelErrorCode.OffsetOutOfRange, $"Offset {offset} is out of range for {partition}: valid offsets are [{logStartOffset}, {highWatermark}].")
{
    public long Offset { get; } = offset;

    public long LogStartOffset { get; } = logStartOffset;

    public long HighWatermark { get; } = highWatermark;
}
