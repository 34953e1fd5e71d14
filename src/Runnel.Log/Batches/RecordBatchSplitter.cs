using System.Buffers.Binary;

namespace Runnel.Log.Batches;

/// <summary>
/// Walks a buffer of back-to-back batches (a segment, a segment's tail after a crash) and reports where the whole,
/// valid batches end. Never throws for bad data: a torn or corrupt tail is a result, not an exception.
/// Thread-safe, allocation-free unless a fault has to be described.
/// </summary>
public static class RecordBatchSplitter
{
    /// <summary>
    /// Scans <paramref name="buffer"/> batch by batch from its start, stopping at the first batch that is incomplete
    /// or fails a check. Each batch's framing, magic and CRC-32C are checked (one pass over the bytes), which is what
    /// tells a torn or damaged write from a good one.
    /// </summary>
    /// <param name="buffer">Batches back to back, possibly ending in a partial one.</param>
    /// <param name="verifyRecords">Also walk every batch's records, as <see cref="RecordBatch.Validate"/> does in
    /// <see cref="RecordBatchValidationMode.Stored"/> mode (decompressing compressed batches; an lz4 or zstd batch then
    /// ends the valid prefix). Off by default: the CRC already vouches for bytes that were validated before they were stored.</param>
    public static BatchScanResult Scan(ReadOnlySpan<byte> buffer, bool verifyRecords = false)
    {
        var position = 0;
        var count = 0;
        long first = -1;
        long last = -1;
        long maxTimestamp = -1;
        var tail = BatchTailStatus.Clean;
        RecordBatchFault fault = default;

        while (position < buffer.Length)
        {
            var rest = buffer[position..];
            if (rest.Length < RecordBatch.LogOverhead)
            {
                tail = BatchTailStatus.Incomplete;
                fault = new RecordBatchFault(CorruptRecordBatchReason.Truncated,
                    $"{rest.Length} bytes remain at byte {position}, fewer than the {RecordBatch.LogOverhead}-byte log overhead.");
                break;
            }

            var batchLength = BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatch.BatchLengthOffset..]);
            var total = RecordBatch.LogOverhead + (long)batchLength;
            if (batchLength >= RecordBatch.MinBatchLength && total > rest.Length)
            {
                tail = BatchTailStatus.Incomplete;
                fault = new RecordBatchFault(CorruptRecordBatchReason.Truncated,
                    $"The batch at byte {position} declares {total} bytes; {rest.Length} remain.");
                break;
            }

            var ok = RecordBatch.TryCheckFrame(rest, requireExactLength: false, out fault)
                && (!verifyRecords || RecordBatch.TryValidate(rest[..(int)total], RecordBatchValidationMode.Stored, out fault));
            if (!ok)
            {
                tail = BatchTailStatus.Corrupt;
                fault = new RecordBatchFault(fault.Reason, $"Batch at byte {position}: {fault.Message}", fault.Codec);
                break;
            }

            var header = RecordBatchHeader.Read(rest);
            if (count == 0)
            {
                first = header.BaseOffset;
            }

            last = header.LastOffset;
            maxTimestamp = Math.Max(maxTimestamp, header.MaxTimestamp);
            count++;
            position += (int)total;
        }

        return new BatchScanResult
        {
            ValidLength = position,
            BatchCount = count,
            FirstOffset = first,
            LastOffset = last,
            MaxTimestamp = maxTimestamp,
            Tail = tail,
            TailFault = fault,
        };
    }
}
