using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>Record-level questions the log asks of stored batches.</summary>
internal static class RecordBatchCheck
{
    /// <summary>The offset of the first record with a timestamp at or after <paramref name="timestamp"/> among the whole
    /// batches in <paramref name="batches"/>, or null. Batches whose max timestamp is earlier are skipped unread.</summary>
    public static long? FirstOffsetAtOrAfter(ReadOnlyMemory<byte> batches, long timestamp)
    {
        foreach (var batch in new RecordBatchReader(batches, verifyCrc: false))
        {
            if (batch.Header.MaxTimestamp < timestamp)
            {
                continue;
            }

            using var records = batch.ReadRecords();
            foreach (var record in records)
            {
                if (record.Timestamp >= timestamp)
                {
                    return record.Offset;
                }
            }
        }

        return null;
    }
}
