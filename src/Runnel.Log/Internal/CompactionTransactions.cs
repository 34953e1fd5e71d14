using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Log.Internal;

/// <summary>What compaction does with a batch, by its transaction.</summary>
internal enum BatchFate
{
    /// <summary>Its records are compacted like any others: outside transactions, or of a committed transaction.</summary>
    Records,

    /// <summary>Kept as it is: a control batch (a marker), or a batch of a transaction still open (at or past the last
    /// stable offset, where nothing is decided yet).</summary>
    Untouched,

    /// <summary>Of an aborted transaction: none of its records is kept (and none shadows a committed value).</summary>
    Aborted,
}

/// <summary>The transaction facts a compaction pass decides by: the aborted transactions and the last stable offset
/// when the pass started (a transaction that ends during the pass is after it: its batches are at or past that offset).</summary>
internal sealed class CompactionTransactions(IReadOnlyList<AbortedTransaction> aborted, long lastStableOffset)
{
    public BatchFate Of(in RecordBatchHeader header)
    {
        if (header.IsControlBatch)
        {
            return BatchFate.Untouched;
        }

        if (!header.IsTransactional)
        {
            return BatchFate.Records;
        }

        if (header.BaseOffset >= lastStableOffset)
        {
            return BatchFate.Untouched;
        }

        foreach (var transaction in aborted)
        {
            if (transaction.ProducerId == header.ProducerId && transaction.FirstOffset <= header.BaseOffset && header.BaseOffset <= transaction.LastOffset)
            {
                return BatchFate.Aborted;
            }
        }

        return BatchFate.Records;
    }
}
