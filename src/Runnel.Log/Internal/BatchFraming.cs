using System.Buffers.Binary;
using System.Numerics;

namespace Runnel.Log.Internal;

/// <summary>
/// The fixed header of a Kafka RecordBatch v2 that the log reads and rewrites (big-endian):
/// <code>
///  0  baseOffset            int64   rewritten by the log (outside the CRC)
///  8  batchLength           int32   bytes after this field: total = 12 + batchLength
/// 12  partitionLeaderEpoch  int32   rewritten by the log to its epoch (outside the CRC)
/// 16  magic                 int8    2
/// 17  crc                   uint32  CRC-32C of bytes 21..end
/// 21  attributes            int16
/// 23  lastOffsetDelta       int32
/// 27  baseTimestamp         int64
/// 35  maxTimestamp          int64
/// 43  producerId            int64
/// 51  producerEpoch         int16
/// 53  baseSequence          int32
/// 57  recordCount           int32
/// 61  records...
/// </code>
/// </summary>
internal static class BatchFraming
{
    public const int HeaderSize = 61;
    public const int LengthFieldEnd = 12;

    public static long BaseOffset(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch);

    public static int TotalSize(ReadOnlySpan<byte> batch) => LengthFieldEnd + BinaryPrimitives.ReadInt32BigEndian(batch[8..]);

    public static int LastOffsetDelta(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt32BigEndian(batch[23..]);

    public static long MaxTimestamp(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch[35..]);

    public static long LastOffset(ReadOnlySpan<byte> batch) => BaseOffset(batch) + LastOffsetDelta(batch);

    public static void SetBaseOffset(Span<byte> batch, long baseOffset) => BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    public static void SetLeaderEpoch(Span<byte> batch, int epoch) => BinaryPrimitives.WriteInt32BigEndian(batch[12..], epoch);

    /// <summary>True when <paramref name="span"/> starts with a complete batch whose framing and CRC hold;
    /// <paramref name="size"/> is its total size then.</summary>
    public static bool TryFrame(ReadOnlySpan<byte> span, out int size)
    {
        size = 0;
        if (span.Length < HeaderSize)
        {
            return false;
        }

        var total = (long)LengthFieldEnd + BinaryPrimitives.ReadInt32BigEndian(span[8..]);
        if (total < HeaderSize || total > span.Length || span[16] != 2 || LastOffsetDelta(span) < 0)
        {
            return false;
        }

        var batch = span[..(int)total];
        if (Crc32C(batch[21..]) != BinaryPrimitives.ReadUInt32BigEndian(batch[17..]))
        {
            return false;
        }

        size = (int)total;
        return true;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
