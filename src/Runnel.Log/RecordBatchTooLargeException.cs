namespace Runnel.Log;

/// <summary>A record batch is larger than the log accepts (<see cref="PartitionLogOptions.MaxBatchBytes"/>).</summary>
[GenerateSerializer, Alias("runnel.RecordBatchTooLargeException")]
public sealed class RecordBatchTooLargeException(string partition, int size, int limit)
    : RunnelException(RunnelErrorCode.RecordBatchTooLarge, $"Record batch of {size} bytes exceeds the limit of {limit} bytes for partition '{partition}'.")
{
    [Id(0)]
    public int Size { get; } = size;

    [Id(1)]
    public int Limit { get; } = limit;
}
