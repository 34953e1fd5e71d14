using System.Buffers.Binary;
using Runnel.Buffers;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Client.Internal;

/// <summary>
/// Reads whole stored batches straight from a sealed segment's blob (a consumer with
/// <see cref="RunnelConnectionOptions.SegmentStore"/>): the bytes the partition grain would have fetched, without the
/// copies through the silo. Only framing is looked at here; the consumer checks the CRCs.
/// </summary>
internal static class SealedSegmentReader
{
    /// <summary>
    /// The whole batches from the one holding <paramref name="offset"/> on (those ending before it are skipped), at most
    /// <paramref name="maxBytes"/> but at least one batch, read from <paramref name="position"/> (a batch boundary at or
    /// before the offset) below <paramref name="end"/> (the sealed length). Empty when nothing is left below the end.
    /// The bytes carry the store's pooled buffer when it has one (the caller releases it); each read is one ranged get,
    /// a batch larger than <paramref name="maxBytes"/> a second.
    /// </summary>
    /// <exception cref="CorruptRecordBatchException">The bytes do not frame as batches.</exception>
    /// <exception cref="RunnelException">The store failed; <see cref="BlobNotFoundException"/> when the segment was deleted
    /// (retention, a compaction swap).</exception>
    public static async ValueTask<ReadOnlyMemory<byte>> ReadAsync(IObjectStore store, string segment, long position, long end, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        var want = (int)Math.Min(end - position, maxBytes);
        while (position < end)
        {
            var data = (await store.GetPooledAsync(segment, new ByteRange(position, want), cancellationToken).ConfigureAwait(false)).Content;
            var returned = false;
            try
            {
                var skip = 0;
                while (TryFrame(data.Span[skip..], out var size) && size <= data.Length - skip && LastOffset(data.Span[skip..]) < offset)
                {
                    skip += size;
                }

                var take = 0;
                while (TryFrame(data.Span[(skip + take)..], out var size) && size <= data.Length - skip - take && (take == 0 || take + size <= maxBytes))
                {
                    take += size;
                }

                if (take > 0)
                {
                    returned = true;
                    return data.Slice(skip, take);
                }

                // Nothing whole yet: move past what was skipped and read at least the next batch whole.
                position += skip;
                var next = TryFrame(data.Span[skip..], out var nextSize) ? nextSize : 0;
                var nextWant = (int)Math.Min(end - position, Math.Max(next, maxBytes));
                if (skip == 0 && nextWant <= data.Length)
                {
                    throw new CorruptRecordBatchException(CorruptRecordBatchReason.Truncated,
                        $"Segment '{segment}' does not hold a whole batch at position {position} (read {data.Length} of {end - position} bytes).");
                }

                want = nextWant;
            }
            finally
            {
                if (!returned && PooledBuffer.TryGetFrom(data, out var buffer))
                {
                    buffer.Release();
                }
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The whole size of the batch <paramref name="span"/> starts with, when its length field is there.</summary>
    /// <exception cref="CorruptRecordBatchException">The length field is out of RecordBatch v2's bounds.</exception>
    private static bool TryFrame(ReadOnlySpan<byte> span, out int size)
    {
        size = 0;
        if (span.Length < RecordBatch.LogOverhead)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(span[RecordBatch.BatchLengthOffset..]);
        if (length < RecordBatch.MinBatchLength || length > RecordBatch.MaxBatchBytes)
        {
            throw new CorruptRecordBatchException(CorruptRecordBatchReason.LengthMismatch, $"A stored batch declares batchLength {length}.");
        }

        size = RecordBatch.LogOverhead + length;
        return true;
    }

    /// <summary>baseOffset + lastOffsetDelta of the batch <paramref name="span"/> starts with (at least its header).</summary>
    private static long LastOffset(ReadOnlySpan<byte> span) =>
        BinaryPrimitives.ReadInt64BigEndian(span) + BinaryPrimitives.ReadInt32BigEndian(span[RecordBatch.LastOffsetDeltaOffset..]);
}
