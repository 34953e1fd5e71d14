using System.Buffers.Binary;
using System.Security.Cryptography;
using Runnel.Log.Batches;

namespace Runnel.Testing;

/// <summary>Builds valid uncompressed RecordBatch v2 bytes for log tests, each record's value unique and self-describing.</summary>
public static class SampleBatches
{
    /// <summary>A batch of <paramref name="records"/> records (null keys) whose values start with <paramref name="tag"/>,
    /// timestamps <paramref name="timestamp"/>, +1, +2, ...</summary>
    public static byte[] Create(string tag, int records = 3, int valueSize = 32, long timestamp = 1_700_000_000_000)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { MaxBatchBytes = RecordBatch.MaxBatchBytes });
        for (var i = 0; i < records; i++)
        {
            var value = new byte[Math.Max(valueSize, tag.Length + 8)];
            System.Text.Encoding.UTF8.GetBytes(tag).CopyTo(value, 0);
            BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(value.Length - 4), i);
            if (!builder.TryAppend(timestamp + i, null, value))
            {
                throw new InvalidOperationException($"Test batch '{tag}' does not fit in one batch.");
            }
        }

        return builder.ToArray();
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
}
