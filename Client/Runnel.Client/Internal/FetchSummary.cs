using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>What a fetch response holds from an offset on: how many records (control batches excluded), the last
/// one's offset, and the offset after the last batch (where the next fetch starts).</summary>
internal readonly record struct FetchSummary(long StartOffset, int RecordCount, long LastOffset, long NextOffset)
{
    /// <summary>
    /// Checks each batch's framing and (with <paramref name="checkCrcs"/>) its CRC-32C, and counts the records at or
    /// after <paramref name="offset"/> from the batch headers. A batch whose offsets are dense (recordCount =
    /// lastOffsetDelta + 1, as every batch a producer sends) is counted from its header alone; only a sparse one
    /// (compacted) that straddles <paramref name="offset"/> or ends before its lastOffsetDelta is walked. Allocates
    /// nothing for uncompressed batches.
    /// </summary>
    /// <exception cref="CorruptRecordBatchException">A batch is truncated, or its length, magic, CRC or records are wrong.</exception>
    public static FetchSummary Of(ReadOnlyMemory<byte> batches, long offset, bool checkCrcs)
    {
        var count = 0;
        var last = offset - 1;
        var next = offset;
        foreach (var batch in new RecordBatchReader(batches, checkCrcs))
        {
            var header = batch.Header;
            next = Math.Max(next, batch.LastOffset + 1);
            if (header.IsControlBatch || batch.LastOffset < offset || header.RecordCount == 0)
            {
                continue;
            }

            if (header.RecordCount == header.LastOffsetDelta + 1)
            {
                count += (int)(batch.LastOffset - Math.Max(offset, batch.BaseOffset) + 1);
                last = batch.LastOffset;
                continue;
            }

            using var records = batch.ReadRecords();
            foreach (var record in records)
            {
                if (record.Offset >= offset)
                {
                    count++;
                    last = record.Offset;
                }
            }
        }

        return new FetchSummary(offset, count, last, next);
    }
}
