using System.Buffers.Binary;
using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>
/// The few header reads and rewrites the log does on stored batches (layout: <see cref="RecordBatch"/>), as cheap
/// span operations over whole batches. <see cref="TotalSize"/> needs only the first 12 bytes.
/// </summary>
internal static class BatchFraming
{
    public const int LengthFieldEnd = RecordBatch.LogOverhead;

    public static int TotalSize(ReadOnlySpan<byte> batch) => RecordBatch.LogOverhead + BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.BatchLengthOffset..]);

    public static long BaseOffset(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch);

    public static long LastOffset(ReadOnlySpan<byte> batch) => BaseOffset(batch) + BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.LastOffsetDeltaOffset..]);

    public static long MaxTimestamp(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatch.MaxTimestampOffset..]);

    /// <summary>True when <paramref name="span"/> starts with a complete batch whose framing, magic and CRC hold;
    /// <paramref name="size"/> is its total size then.</summary>
    public static bool TryFrame(ReadOnlySpan<byte> span, out int size)
    {
        size = 0;
        if (!RecordBatch.TryCheckFrame(span, requireExactLength: false, out _))
        {
            return false;
        }

        size = TotalSize(span);
        return true;
    }
}
