using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>
/// What a read_committed reader keeps of fetched batches: those below the last stable offset, without the batches of
/// aborted transactions (a transactional batch of a producer whose aborted transaction's range holds it — Kafka's rule;
/// control batches stay, the enumerators skip them).
/// </summary>
internal static class TransactionFilter
{
    /// <summary>The batches kept: <paramref name="batches"/> itself or a slice of it when only a tail at or past
    /// <paramref name="stableEnd"/> goes (a slice keeps the pooled buffer behind it referenced), a fresh array when an
    /// aborted batch goes (<paramref name="copied"/>: the caller releases the original). <paramref name="passed"/> is the
    /// offset after the last batch looked at (kept or skipped; -1 for none): where the next read starts.</summary>
    public static ReadOnlyMemory<byte> Apply(ReadOnlyMemory<byte> batches, long stableEnd, IReadOnlyList<AbortedTransaction> aborted, out bool copied, out long passed)
    {
        copied = false;
        passed = -1;
        var span = batches.Span;
        var end = 0;
        List<(int Start, int Length)>? kept = null;
        while (end + RecordBatch.HeaderSize <= span.Length)
        {
            var header = RecordBatchHeader.Read(span[end..]);
            var size = (int)header.TotalLength;
            if (header.BaseOffset >= stableEnd || end + size > span.Length)
            {
                break;
            }

            if (aborted.Count > 0 && header.IsTransactional && !header.IsControlBatch && IsAborted(aborted, header.ProducerId, header.BaseOffset))
            {
                kept ??= [(0, end)];
            }
            else if (kept is not null)
            {
                kept.Add((end, size));
            }

            end += size;
            passed = header.BaseOffset + header.LastOffsetDelta + 1;
        }

        if (kept is null)
        {
            return end == batches.Length ? batches : batches[..end];
        }

        copied = true;
        var result = new byte[kept.Sum(k => k.Length)];
        var at = 0;
        foreach (var (start, length) in kept)
        {
            span.Slice(start, length).CopyTo(result.AsSpan(at));
            at += length;
        }

        return result;
    }

    private static bool IsAborted(IReadOnlyList<AbortedTransaction> aborted, long producerId, long offset)
    {
        foreach (var transaction in aborted)
        {
            if (transaction.ProducerId == producerId && transaction.FirstOffset <= offset && offset <= transaction.LastOffset)
            {
                return true;
            }
        }

        return false;
    }
}
