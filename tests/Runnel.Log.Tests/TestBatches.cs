using System.Buffers.Binary;
using System.Text;
using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

/// <summary>A record as the tests model it: plain arrays, null meaning null.</summary>
internal sealed record TestRecord(long Timestamp, byte[]? Key, byte[]? Value, TestHeader[] Headers)
{
    /// <summary>A canonical text form, so lists of records compare structurally with readable diffs.</summary>
    public string Describe() =>
        $"ts={Timestamp} key={Hex(Key)} value={Hex(Value)} headers=[{string.Join(", ", Headers.Select(h => $"{h.Key}={Hex(h.Value)}"))}]";

    public static string Hex(byte[]? bytes) => bytes is null ? "null" : "0x" + Convert.ToHexString(bytes);
}

internal sealed record TestHeader(string Key, byte[]? Value);

internal static class TestBatches
{
    public static byte[] Build(IEnumerable<TestRecord> records, RecordBatchBuilderOptions? options = null)
    {
        using var builder = new RecordBatchBuilder(options);
        foreach (var r in records)
        {
            var headers = r.Headers.Select(h => new RecordHeader(h.Key, Mem(h.Value))).ToArray();
            builder.TryAppend(r.Timestamp, Mem(r.Key), Mem(r.Value), headers)
                .Should().BeTrue("the test batch fits the builder's limit");
        }

        return builder.ToArray();
    }

    /// <summary>A null array as a null memory (a bare conversion would give an empty one).</summary>
    public static ReadOnlyMemory<byte>? Mem(byte[]? bytes) => bytes is null ? (ReadOnlyMemory<byte>?)null : bytes;

    public static List<string> ReadAll(RecordBatchView batch)
    {
        using var records = batch.ReadRecords();
        var list = new List<string>();
        foreach (var r in records)
        {
            var headers = new List<TestHeader>();
            foreach (var h in r.Headers)
            {
                headers.Add(new TestHeader(h.Key, h.Value?.ToArray()));
            }

            list.Add(new TestRecord(r.Timestamp, r.Key?.ToArray(), r.Value?.ToArray(), [.. headers]).Describe());
        }

        return list;
    }

    public static List<long> ReadOffsets(RecordBatchView batch)
    {
        using var records = batch.ReadRecords();
        var list = new List<long>();
        foreach (var r in records)
        {
            list.Add(r.Offset);
        }

        return list;
    }

    /// <summary>Recomputes and stores the CRC, so a deliberately lying field is not caught by the CRC alone.</summary>
    public static byte[] ReCrc(byte[] batch)
    {
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32C.Compute(batch.AsSpan(21)));
        return batch;
    }

    /// <summary>Assembles a batch around a hand-made records region, with a correct batchLength and CRC.</summary>
    public static byte[] Assemble(byte[] records, int recordCount, int lastOffsetDelta, short attributes = 0, long baseOffset = 0)
    {
        var batch = new byte[61 + records.Length];
        var s = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(s, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(s[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(s[12..], -1);
        s[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(s[21..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(s[23..], lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(s[27..], 1000);
        BinaryPrimitives.WriteInt64BigEndian(s[35..], 1000);
        BinaryPrimitives.WriteInt64BigEndian(s[43..], -1);
        BinaryPrimitives.WriteInt16BigEndian(s[51..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[53..], -1);
        BinaryPrimitives.WriteInt32BigEndian(s[57..], recordCount);
        records.CopyTo(s[61..]);
        return ReCrc(batch);
    }

    public static TestRecord Simple(int i, long timestamp = 1_700_000_000_000) =>
        new(timestamp + i, Encoding.UTF8.GetBytes($"key-{i}"), Encoding.UTF8.GetBytes($"value-{i}"), []);

    public static RecordBatchView View(byte[] batch) => new(batch);
}
