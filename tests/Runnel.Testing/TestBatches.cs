using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Runnel.Testing;

/// <summary>Builds valid uncompressed RecordBatch v2 bytes for log tests, each record's value unique and self-describing.</summary>
public static class TestBatches
{
    /// <summary>A batch of <paramref name="records"/> records whose values start with <paramref name="tag"/>, timestamps
    /// <paramref name="timestamp"/>, +1, +2, ...</summary>
    public static byte[] Create(string tag, int records = 3, int valueSize = 32, long timestamp = 1_700_000_000_000)
    {
        var body = new List<byte>();
        for (var i = 0; i < records; i++)
        {
            var value = new byte[Math.Max(valueSize, tag.Length + 8)];
            System.Text.Encoding.UTF8.GetBytes(tag).CopyTo(value, 0);
            BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(value.Length - 4), i);
            var record = new List<byte> { 0 };
            WriteVarLong(record, i);                // timestamp delta
            WriteVarLong(record, i);                // offset delta
            WriteVarLong(record, -1);               // null key
            WriteVarLong(record, value.Length);
            record.AddRange(value);
            WriteVarLong(record, 0);                // no headers
            WriteVarLong(body, record.Count);
            body.AddRange(record);
        }

        var batch = new byte[61 + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[35..], timestamp + records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records);
        body.ToArray().CopyTo(batch, 61);
        BinaryPrimitives.WriteUInt32BigEndian(span[17..], Crc32C(span[21..]));
        return batch;
    }

    /// <summary>The batch's content with the fields the log rewrites (base offset, leader epoch) zeroed, hashed: equal
    /// for a batch before and after it was stored.</summary>
    public static string ContentHash(ReadOnlySpan<byte> batch)
    {
        var copy = batch.ToArray();
        copy.AsSpan(0, 8).Clear();
        copy.AsSpan(12, 4).Clear();
        return Convert.ToHexString(SHA256.HashData(copy));
    }

    /// <summary>Splits back-to-back batches.</summary>
    public static List<byte[]> Split(ReadOnlyMemory<byte> batches)
    {
        var list = new List<byte[]>();
        var span = batches.Span;
        while (span.Length >= 12)
        {
            var size = 12 + BinaryPrimitives.ReadInt32BigEndian(span[8..]);
            list.Add(span[..size].ToArray());
            span = span[size..];
        }

        return list;
    }

    public static long BaseOffset(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch);

    public static int RecordCount(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[57..]);

    private static void WriteVarLong(List<byte> output, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        while (zigzag >= 0x80)
        {
            output.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }

        output.Add((byte)zigzag);
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
