using System.Runtime.CompilerServices;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Log.Internal;

/// <summary>Reads a sealed segment front to back in ranged chunks of whole batches, for passes that must see every
/// batch (compaction and its validation). Unlike the takeover scan, a sealed segment has no torn tail: bytes below its
/// sealed length that do not frame as batches are corruption, and throw.</summary>
internal static class SegmentChunks
{
    /// <summary>Bytes per storage round trip (a larger batch is read whole): big enough that the per-request cost
    /// of a remote store is small next to the transfer, small enough to hold a few of at once.</summary>
    public const int ChunkBytes = 8 * 1024 * 1024;

    /// <summary>The segment's bytes [0, <paramref name="length"/>) as consecutive chunks, each whole batches, with the
    /// position of each chunk in the segment.</summary>
    /// <exception cref="BlobNotFoundException">The segment blob is gone.</exception>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.CorruptRecordBatch"/>: the bytes do not frame as
    /// batches up to <paramref name="length"/>.</exception>
    public static async IAsyncEnumerable<(long Position, ReadOnlyMemory<byte> Batches)> ReadAsync(IObjectStore store, string name, long length, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var position = 0L;
        var want = (int)Math.Min(ChunkBytes, length);
        while (position < length)
        {
            var chunk = (await store.GetAsync(name, new ByteRange(position, want), cancellationToken).ConfigureAwait(false)).Content;
            var whole = chunk.Length >= BatchFraming.LengthFieldEnd ? TailCache.WholeBatchesWithin(chunk, int.MaxValue) : 0;
            if (whole == 0)
            {
                var next = chunk.Length >= BatchFraming.LengthFieldEnd ? BatchFraming.TotalSize(chunk.Span) : 0;
                if (next <= chunk.Length || next < RecordBatch.HeaderSize || position + next > length)
                {
                    throw new RunnelException(RunnelErrorCode.CorruptRecordBatch, $"Segment '{name}' does not hold a whole batch at position {position} (sealed length {length}).");
                }

                want = next; // one batch larger than a chunk: read it whole
                continue;
            }

            yield return (position, chunk[..whole]);
            position += whole;
            want = (int)Math.Min(ChunkBytes, length - position);
        }
    }
}
