namespace Runnel.Log.Internal;

/// <summary>The validation the log applies to an incoming batch before it is queued.</summary>
internal static class RecordBatchCheck
{
    public static void Validate(ReadOnlySpan<byte> batch)
    {
        if (!BatchFraming.TryFrame(batch, out var size) || size != batch.Length)
        {
            throw new RunnelException(RunnelErrorCode.CorruptRecordBatch, $"Record batch of {batch.Length} bytes failed framing or CRC validation.");
        }
    }

    /// <summary>The offset of the first record with a timestamp at or after <paramref name="timestamp"/> among the whole
    /// batches in <paramref name="batches"/>, or null.</summary>
    public static long? FirstOffsetAtOrAfter(ReadOnlySpan<byte> batches, long timestamp)
    {
        while (batches.Length >= BatchFraming.HeaderSize)
        {
            var size = BatchFraming.TotalSize(batches);
            if (BatchFraming.MaxTimestamp(batches) >= timestamp)
            {
                return BatchFraming.BaseOffset(batches);
            }

            batches = batches[size..];
        }

        return null;
    }
}
