namespace Runnel.Log.Batches;

/// <summary>
/// A record batch that <see cref="RecordBatch.ValidateForAppend"/> has checked in
/// <see cref="RecordBatchValidationMode.Produce"/> mode (framing, CRC, codec, every record's fields): proof that
/// <see cref="PartitionLog.AppendAsync(ValidatedRecordBatch, CancellationToken)"/> need not check it again. Only
/// <see cref="RecordBatch.ValidateForAppend"/> makes one; <c>default</c> holds no batch and is refused.
/// </summary>
/// <remarks>
/// The proof holds for the bytes as they were: the owner of the buffer must not change them before the append has
/// copied them (<see cref="PartitionLog.AppendAsync(ValidatedRecordBatch, CancellationToken)"/> copies before it
/// returns). Saves a second CRC pass and record walk per produced batch when the caller validated already (the
/// partition grain does, to answer with a typed error before it reads the producer fields).
/// </remarks>
public readonly struct ValidatedRecordBatch
{
    internal ValidatedRecordBatch(ReadOnlyMemory<byte> bytes) => Bytes = bytes;

    /// <summary>The batch's bytes, exactly one RecordBatch v2; empty for <c>default</c>.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }
}
