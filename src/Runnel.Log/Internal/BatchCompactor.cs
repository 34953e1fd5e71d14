using Runnel.Buffers;
using System.Buffers.Binary;
using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>
/// The record-level rules of a compaction pass, as Kafka's cleaner applies them:
/// <list type="bullet">
/// <item>Control batches (transaction markers) and transactional batches are kept byte for byte and their keys are not
/// mapped: without a transaction index the cleaner cannot tell committed from aborted or open transactions, so it
/// touches none (Runnel has no transactions yet).</item>
/// <item>A record with a key is kept when it is its key's latest record in the cleanable range — unless it is a
/// tombstone (null value) whose timestamp is older than the delete horizon (<c>now - delete.retention.ms</c>).</item>
/// <item>A record without a key is dropped: a compacted topic has no use for one (Kafka refuses them on produce and
/// its cleaner drops any that got in, e.g. before the topic's policy became compact).</item>
/// </list>
/// A batch that keeps every record is copied as it is. One that keeps some is re-framed: same base offset,
/// lastOffsetDelta, timestamps, producer id, epoch and base sequence and attributes, its kept records' bytes unchanged
/// (their offset and timestamp deltas stay valid against the unchanged base fields), recompressed with its codec, with
/// a new record count, length and CRC. So every record keeps its offset, and the batch's last offset and last sequence
/// — what an idempotent producer's state is rebuilt from — stay put. A batch that keeps nothing is dropped, except the
/// last batch of each producer id in the range, which stays as an empty batch (header only, uncompressed) so that the
/// producer's latest sequence survives (Kafka does the same), and the last batch of each output segment, so that its
/// last offset stays readable as a position.
/// </summary>
internal sealed class BatchCompactor(CompactionKeyMap map, long tombstoneCutoff, CompactionTransactions transactions)
{
    public enum Outcome
    {
        Verbatim,
        Rewritten,
        KeptEmpty,
        Dropped,
    }

    /// <summary>The transaction facts this pass decides by.</summary>
    public CompactionTransactions Transactions => transactions;

    /// <summary>Adds the batch's keyed records to <paramref name="map"/> (the batch's records are later than any mapped
    /// before). Only <see cref="BatchFate.Records"/> batches add anything: an aborted transaction's value never shadows
    /// a committed one.</summary>
    public static void Map(RecordBatchView batch, CompactionKeyMap map, CompactionTransactions transactions)
    {
        var header = batch.Header;
        if (transactions.Of(header) != BatchFate.Records)
        {
            return;
        }

        using var records = batch.ReadRecords();
        var span = records.RecordBytes.Span;
        var position = 0;
        for (var i = 0; i < header.RecordCount; i++)
        {
            var layout = Parse(span, ref position, i);
            if (layout.KeyLength >= 0)
            {
                map.Put(span.Slice(layout.KeyOffset, layout.KeyLength), header.BaseOffset + layout.OffsetDelta, layout.ValueLength < 0, TimestampOf(header, layout));
            }
        }
    }

    /// <summary>Whether a keyed record stays, by the rules above.</summary>
    public bool Keeps(ReadOnlySpan<byte> key, long offset, bool isTombstone, long timestamp) =>
        map.TryGet(key, out var latest) && latest.Offset == offset && !(isTombstone && timestamp < tombstoneCutoff);

    /// <summary>Writes what is kept of <paramref name="batch"/> to <paramref name="output"/> (nothing when it is dropped).</summary>
    /// <param name="batch">A batch whose CRC has been checked.</param>
    /// <param name="keepIfEmpty">Keep the batch (as an empty one) even when none of its records stays: the last batch of
    /// its producer id in the cleaned range, or the last of an output segment.</param>
    /// <param name="output">Where the kept batch goes.</param>
    /// <param name="kept">Records kept.</param>
    public Outcome Compact(RecordBatchView batch, bool keepIfEmpty, PooledBufferWriter output, out int kept)
    {
        var header = batch.Header;
        kept = header.RecordCount;
        var fate = transactions.Of(header);
        if (header.RecordCount == 0 && fate != BatchFate.Untouched)
        {
            // An empty batch an earlier pass kept: it stays only while it still has to.
            if (!keepIfEmpty)
            {
                return Outcome.Dropped;
            }

            output.Write(batch.Memory.Span);
            return Outcome.KeptEmpty;
        }

        if (fate == BatchFate.Untouched)
        {
            output.Write(batch.Memory.Span);
            return Outcome.Verbatim;
        }

        if (fate == BatchFate.Aborted)
        {
            kept = 0;
            return keepIfEmpty ? WriteEmpty(batch, output) : Outcome.Dropped;
        }

        using var records = batch.ReadRecords();
        var span = records.RecordBytes.Span;
        using var keptRecords = new PooledBufferWriter(span.Length);
        var position = 0;
        kept = 0;
        for (var i = 0; i < header.RecordCount; i++)
        {
            var start = position;
            var layout = Parse(span, ref position, i);
            if (layout.KeyLength >= 0
                && Keeps(span.Slice(layout.KeyOffset, layout.KeyLength), header.BaseOffset + layout.OffsetDelta, layout.ValueLength < 0, TimestampOf(header, layout)))
            {
                keptRecords.Write(span[start..position]);
                kept++;
            }
        }

        var source = batch.Memory.Span;
        if (kept == header.RecordCount)
        {
            output.Write(source);
            return Outcome.Verbatim;
        }

        if (kept == 0)
        {
            return keepIfEmpty ? WriteEmpty(batch, output) : Outcome.Dropped;
        }

        PooledBufferWriter? compressed = null;
        try
        {
            var payload = keptRecords.WrittenSpan;
            if (header.Compression != CompressionCodec.None)
            {
                compressed = new PooledBufferWriter(payload.Length);
                BatchCompression.Compress(header.Compression, payload, compressed);
                payload = compressed.WrittenSpan;
            }

            var total = RecordBatch.HeaderSize + payload.Length;
            var rewritten = output.GetSpan(total)[..total];
            source[..RecordBatch.HeaderSize].CopyTo(rewritten);
            payload.CopyTo(rewritten[RecordBatch.HeaderSize..]);
            Finish(rewritten, kept);
            output.Advance(total);
            return Outcome.Rewritten;
        }
        finally
        {
            compressed?.Dispose();
        }
    }

    /// <summary>The batch as an empty one: its header only, uncompressed, no records.</summary>
    private static Outcome WriteEmpty(RecordBatchView batch, PooledBufferWriter output)
    {
        var header = batch.Header;
        var empty = output.GetSpan(RecordBatch.HeaderSize)[..RecordBatch.HeaderSize];
        batch.Memory.Span[..RecordBatch.HeaderSize].CopyTo(empty);
        BinaryPrimitives.WriteInt16BigEndian(empty[RecordBatch.AttributesOffset..], (short)(header.Attributes & ~RecordBatch.CompressionMask));
        Finish(empty, 0);
        output.Advance(RecordBatch.HeaderSize);
        return Outcome.KeptEmpty;
    }

    /// <summary>The record's timestamp as consumers see it (the batch's under log-append time).</summary>
    public static long TimestampOf(in RecordBatchHeader header, in RecordLayout layout) =>
        header.TimestampType == TimestampType.LogAppendTime ? header.MaxTimestamp : header.BaseTimestamp + layout.TimestampDelta;

    public static RecordLayout Parse(ReadOnlySpan<byte> records, ref int position, int index)
    {
        if (!RecordWalker.TryParse(records, ref position, index, out var layout, out var fault))
        {
            throw fault.ToException();
        }

        return layout;
    }

    private static void Finish(Span<byte> batch, int recordCount)
    {
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.BatchLengthOffset..], batch.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.RecordCountOffset..], recordCount);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatch.CrcOffset..], RecordBatch.ComputeCrc(batch));
    }
}
