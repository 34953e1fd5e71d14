namespace Runnel.Log.Batches;

/// <summary>
/// A record batch failed validation: its bytes are not a well-formed Kafka RecordBatch v2.
/// Never retriable: the same bytes fail the same way. <see cref="Reason"/> says which check failed and the
/// message names the numbers involved (offsets into the batch, declared and actual lengths, CRCs).
/// </summary>
[GenerateSerializer, Alias("runnel.CorruptRecordBatchException")]
public sealed class CorruptRecordBatchException : RunnelException
{
    public CorruptRecordBatchException(CorruptRecordBatchReason reason, string message, Exception? innerException = null)
        : base(RunnelErrorCode.CorruptRecordBatch, message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Which check failed.</summary>
    [Id(0)]
    public CorruptRecordBatchReason Reason { get; }
}
