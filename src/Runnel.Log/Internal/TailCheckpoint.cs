using System.Buffers.Binary;
using System.Text;
using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>
/// Where the owner's active segment stood at some acknowledged block boundary: its first <see cref="Position"/> bytes,
/// the last batch before that point, the segment's index up to it, and each producer's most recent batches before it.
/// The owner writes it every <see cref="PartitionLogOptions.CheckpointIntervalBlocks"/> blocks
/// (<see cref="PartitionPaths.TailCheckpoint"/>); a takeover that finds one for the segment it recovers reads only
/// the last batch before <see cref="Position"/> (to check the checkpoint against the bytes) and everything after it,
/// instead of the whole segment. It is only a hint: one that names another segment, points past the sealed length, or
/// does not match the stored batch is ignored and the whole segment is scanned. <see cref="ManifestWriteId"/> is the
/// write id of the manifest that listed the segment when the checkpoint was taken: a takeover uses the checkpoint only
/// if the manifest it took over from is that same write, so a checkpoint left over from another incarnation of the
/// partition (a deleted and recreated topic reuses segment names) is never mistaken for this one's.
/// <code>
/// "RNCP" | version u8 = 2 | nameLength i32 | name utf8 | writeIdLength i32 | writeId utf8 | position i64 | maxTimestamp i64 | lastBatch (summary) |
/// summaryCount i32 | summaryCount × summary | offsetIndexLength i32 | .index bytes | timeIndexLength i32 | .timeindex bytes |
/// transactions | crc32c u32
/// summary: baseOffset i64 | lastOffset i64 | position i64 | size i32 | maxTimestamp i64 | producerId i64 | producerEpoch i16 | baseSequence i32 | kind u8
/// transactions: asOf i64 | openCount i32 | openCount × (producerId i64 | firstOffset i64) | abortedCount i32 | abortedCount × (producerId i64 | firstOffset i64 | lastOffset i64)
/// </code>
/// <see cref="Transactions"/> is the log's transaction bookkeeping as of the checkpoint's position. A version-1
/// checkpoint (before transactions) is not read: the takeover scans the whole segment.
/// (big-endian; the CRC-32C covers everything before it).
/// </summary>
internal sealed record TailCheckpoint(string Segment, string ManifestWriteId, long Position, long MaxTimestamp, BatchSummary LastBatch, IReadOnlyList<BatchSummary> ProducerBatches, byte[] OffsetIndex, byte[] TimeIndex, TransactionSnapshot Transactions)
{
    private const int Version = 2;
    private const int SummaryBytes = 8 + 8 + 8 + 4 + 8 + 8 + 2 + 4 + 1;
    private static readonly byte[] Magic = "RNCP"u8.ToArray();

    public byte[] Serialize()
    {
        var name = Encoding.UTF8.GetBytes(Segment);
        var writeId = Encoding.UTF8.GetBytes(ManifestWriteId);
        var size = 4 + 1 + 4 + name.Length + 4 + writeId.Length + 8 + 8 + SummaryBytes + 4 + (ProducerBatches.Count * SummaryBytes) + 4 + OffsetIndex.Length + 4 + TimeIndex.Length
            + 8 + 4 + (Transactions.Open.Count * 16) + 4 + (Transactions.Aborted.Count * 24) + 4;
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        span[4] = Version;
        var at = 5;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], name.Length);
        name.CopyTo(span[(at + 4)..]);
        at += 4 + name.Length;
        BinaryPrimitives.WriteInt32BigEndian(span[at..], writeId.Length);
        writeId.CopyTo(span[(at + 4)..]);
        at += 4 + writeId.Length;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], Position);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 8)..], MaxTimestamp);
        at += 16;
        at = Write(span, at, LastBatch);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], ProducerBatches.Count);
        at += 4;
        foreach (var summary in ProducerBatches)
        {
            at = Write(span, at, summary);
        }

        foreach (var bytes in new[] { OffsetIndex, TimeIndex })
        {
            BinaryPrimitives.WriteInt32BigEndian(span[at..], bytes.Length);
            bytes.CopyTo(span[(at + 4)..]);
            at += 4 + bytes.Length;
        }

        BinaryPrimitives.WriteInt64BigEndian(span[at..], Transactions.AsOf);
        BinaryPrimitives.WriteInt32BigEndian(span[(at + 8)..], Transactions.Open.Count);
        at += 12;
        foreach (var open in Transactions.Open)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[at..], open.ProducerId);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 8)..], open.FirstOffset);
            at += 16;
        }

        BinaryPrimitives.WriteInt32BigEndian(span[at..], Transactions.Aborted.Count);
        at += 4;
        foreach (var aborted in Transactions.Aborted)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[at..], aborted.ProducerId);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 8)..], aborted.FirstOffset);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 16)..], aborted.LastOffset);
            at += 24;
        }

        BinaryPrimitives.WriteUInt32BigEndian(span[at..], Crc32C.Compute(span[..at]));
        return buffer;
    }

    /// <summary>Parses a checkpoint; null when it is damaged or of another version (the caller then scans the whole segment).</summary>
    public static TailCheckpoint? TryDeserialize(ReadOnlySpan<byte> data)
    {
        try
        {
            if (data.Length < 9 || !data[..4].SequenceEqual(Magic) || data[4] != Version
                || Crc32C.Compute(data[..^4]) != BinaryPrimitives.ReadUInt32BigEndian(data[^4..]))
            {
                return null;
            }

            var at = 5;
            var nameLength = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
            var name = Encoding.UTF8.GetString(data.Slice(at + 4, nameLength));
            at += 4 + nameLength;
            var writeIdLength = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
            var writeId = Encoding.UTF8.GetString(data.Slice(at + 4, writeIdLength));
            at += 4 + writeIdLength;
            var position = BinaryPrimitives.ReadInt64BigEndian(data[at..]);
            var maxTimestamp = BinaryPrimitives.ReadInt64BigEndian(data[(at + 8)..]);
            at += 16;
            var last = Read(data, ref at);
            var count = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
            at += 4;
            if (count < 0 || count > (data.Length - at) / SummaryBytes)
            {
                return null;
            }

            var batches = new BatchSummary[count];
            for (var i = 0; i < count; i++)
            {
                batches[i] = Read(data, ref at);
            }

            var offsetIndex = ReadBytes(data, ref at);
            var timeIndex = ReadBytes(data, ref at);
            var asOf = BinaryPrimitives.ReadInt64BigEndian(data[at..]);
            var openCount = BinaryPrimitives.ReadInt32BigEndian(data[(at + 8)..]);
            at += 12;
            if (openCount < 0 || openCount > (data.Length - at) / 16)
            {
                return null;
            }

            var open = new OpenTransaction[openCount];
            for (var i = 0; i < openCount; i++, at += 16)
            {
                open[i] = new OpenTransaction(BinaryPrimitives.ReadInt64BigEndian(data[at..]), BinaryPrimitives.ReadInt64BigEndian(data[(at + 8)..]));
            }

            var abortedCount = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
            at += 4;
            if (abortedCount < 0 || abortedCount > (data.Length - at) / 24)
            {
                return null;
            }

            var aborted = new Runnel.Grains.AbortedTransaction[abortedCount];
            for (var i = 0; i < abortedCount; i++, at += 24)
            {
                aborted[i] = new Runnel.Grains.AbortedTransaction(
                    BinaryPrimitives.ReadInt64BigEndian(data[at..]), BinaryPrimitives.ReadInt64BigEndian(data[(at + 8)..]), BinaryPrimitives.ReadInt64BigEndian(data[(at + 16)..]));
            }

            var transactions = new TransactionSnapshot(asOf, open, aborted);
            return at == data.Length - 4 ? new TailCheckpoint(name, writeId, position, maxTimestamp, last, batches, offsetIndex, timeIndex, transactions) : null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // a length field points past the end
        }
    }

    private static int Write(Span<byte> span, int at, BatchSummary s)
    {
        BinaryPrimitives.WriteInt64BigEndian(span[at..], s.BaseOffset);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 8)..], s.LastOffset);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 16)..], s.Position);
        BinaryPrimitives.WriteInt32BigEndian(span[(at + 24)..], s.Size);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 28)..], s.MaxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[(at + 36)..], s.ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(span[(at + 44)..], s.ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[(at + 46)..], s.BaseSequence);
        span[at + 50] = (byte)s.Kind;
        return at + SummaryBytes;
    }

    private static BatchSummary Read(ReadOnlySpan<byte> data, ref int at)
    {
        var s = data.Slice(at, SummaryBytes);
        at += SummaryBytes;
        return new BatchSummary(
            BinaryPrimitives.ReadInt64BigEndian(s),
            BinaryPrimitives.ReadInt64BigEndian(s[8..]),
            BinaryPrimitives.ReadInt64BigEndian(s[16..]),
            BinaryPrimitives.ReadInt32BigEndian(s[24..]),
            BinaryPrimitives.ReadInt64BigEndian(s[28..]),
            BinaryPrimitives.ReadInt64BigEndian(s[36..]),
            BinaryPrimitives.ReadInt16BigEndian(s[44..]),
            BinaryPrimitives.ReadInt32BigEndian(s[46..]),
            (BatchKind)s[50]);
    }

    private static byte[] ReadBytes(ReadOnlySpan<byte> data, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
        var bytes = data.Slice(at + 4, length).ToArray();
        at += 4 + length;
        return bytes;
    }
}
