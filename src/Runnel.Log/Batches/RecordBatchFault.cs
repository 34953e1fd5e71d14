namespace Runnel.Log.Batches;

/// <summary>
/// The outcome of a non-throwing check (<see cref="RecordBatch.TryValidate"/>, <see cref="RecordBatchSplitter.Scan"/>):
/// <see cref="CorruptRecordBatchReason.None"/> when the batch is good, otherwise the reason and a message with the
/// numbers involved. Building the message is the only allocation, and happens only on failure.
/// </summary>
public readonly struct RecordBatchFault
{
    internal RecordBatchFault(CorruptRecordBatchReason reason, string message, CompressionCodec codec = CompressionCodec.None)
    {
        Reason = reason;
        Message = message;
        Codec = codec;
    }

    /// <summary>Which check failed; <see cref="CorruptRecordBatchReason.None"/> when none did.</summary>
    public CorruptRecordBatchReason Reason { get; }

    /// <summary>What is wrong, with the numbers; null when nothing is.</summary>
    public string? Message { get; }

    /// <summary>For <see cref="CorruptRecordBatchReason.UnsupportedCodec"/>, the codec the batch asked for.</summary>
    public CompressionCodec Codec { get; }

    /// <summary>True when a check failed.</summary>
    public bool IsFault => Reason != CorruptRecordBatchReason.None;

    /// <summary>The exception this fault is thrown as: <see cref="UnsupportedCompressionException"/> for an
    /// unsupported codec, <see cref="CorruptRecordBatchException"/> otherwise.</summary>
    /// <exception cref="InvalidOperationException">There is no fault.</exception>
    public RunnelException ToException() => Reason switch
    {
        CorruptRecordBatchReason.None => throw new InvalidOperationException("There is no fault to turn into an exception."),
        CorruptRecordBatchReason.UnsupportedCodec => new UnsupportedCompressionException(Codec),
        _ => new CorruptRecordBatchException(Reason, Message ?? Reason.ToString()),
    };

    /// <inheritdoc />
    public override string ToString() => IsFault ? $"{Reason}: {Message}" : "no fault";
}
