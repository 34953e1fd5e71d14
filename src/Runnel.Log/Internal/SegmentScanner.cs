using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Log.Internal;

/// <summary>
/// Walks a segment's bytes batch by batch (framing and CRC checked), reading it in ranged chunks, to recover what the
/// manifest does not say: where the last complete batch ends, the last offset, the max timestamp, and the index.
/// A torn or corrupt tail stops the walk: everything from there on is treated as never written (it was never
/// acknowledged, since an append is acknowledged only after the store acknowledged its whole block).
/// </summary>
internal static class SegmentScanner
{
    /// <summary>Bytes read per storage round trip while scanning (at least one batch is always read whole).</summary>
    private const int ChunkBytes = 8 * 1024 * 1024;

    public sealed record Result(long ValidLength, long LastOffset, long MaxTimestamp, SegmentIndex Index, IReadOnlyList<BatchSummary> Batches, bool TornTail);

    /// <param name="store">The store.</param>
    /// <param name="name">The segment blob.</param>
    /// <param name="baseOffset">The segment's base offset (returned as <c>LastOffset + 1</c> when it holds no batch).</param>
    /// <param name="length">How many bytes of it to consider (its sealed length).</param>
    /// <param name="indexIntervalBytes">Index granularity.</param>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <param name="start">Where to start instead of the segment's beginning: a batch boundary already checked
    /// against the stored bytes, the last offset before it and the index up to it (which the scan extends).</param>
    public static async Task<Result> ScanAsync(IObjectStore store, string name, long baseOffset, long length, int indexIntervalBytes, CancellationToken cancellationToken, (long Position, long LastOffset, SegmentIndex Index)? start = null)
    {
        var index = start?.Index ?? new SegmentIndex();
        var batches = new List<BatchSummary>();
        var position = start?.Position ?? 0;
        var lastOffset = start?.LastOffset ?? baseOffset - 1;
        var torn = false;
        var want = ChunkBytes;
        while (position < length)
        {
            var chunk = (await store.GetAsync(name, new ByteRange(position, (int)Math.Min(want, length - position)), cancellationToken).ConfigureAwait(false)).Content;
            want = ChunkBytes;
            var consumed = 0;
            while (consumed < chunk.Length)
            {
                var span = chunk.Span[consumed..];
                if (span.Length >= BatchFraming.LengthFieldEnd)
                {
                    var declared = BatchFraming.TotalSize(span);
                    if (declared > span.Length && position + consumed + declared <= length && declared <= RecordBatch.MaxBatchBytes)
                    {
                        want = Math.Max(ChunkBytes, (int)declared); // it continues past this chunk: read again from its start, it whole
                        break;
                    }
                }

                if (!BatchFraming.TryFrame(span, out var size))
                {
                    torn = true;
                    break;
                }

                var batch = span[..size];
                var summary = Summarize(batch, position + consumed);
                index.OnBatch(summary.BaseOffset, summary.Position, summary.MaxTimestamp, indexIntervalBytes);
                batches.Add(summary);
                lastOffset = summary.LastOffset;
                consumed += size;
            }

            if (consumed == 0 && !torn && want > chunk.Length)
            {
                continue; // a batch longer than the chunk starts here: read it whole
            }

            position += consumed;
            if (torn || consumed == 0)
            {
                torn = true;
                break;
            }
        }

        return new Result(position, lastOffset, index.MaxTimestamp, index, batches, torn);
    }

    public static BatchSummary Summarize(ReadOnlySpan<byte> batch, long position)
    {
        var header = RecordBatchHeader.Read(batch);
        var kind = header.IsControlBatch
            ? ControlRecords.TryReadMarkerType(batch) switch
            {
                ControlRecordType.Commit => BatchKind.CommitMarker,
                ControlRecordType.Abort => BatchKind.AbortMarker,
                _ => BatchKind.OtherControl,
            }
            : header.IsTransactional ? BatchKind.Transactional : BatchKind.Data;
        return new(header.BaseOffset, header.LastOffset, position, (int)header.TotalLength, header.MaxTimestamp, header.ProducerId, header.ProducerEpoch, header.BaseSequence, kind);
    }
}
