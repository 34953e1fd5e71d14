using Runnel.Grains;

namespace Runnel.Log.Internal;

/// <summary>
/// The live form of <see cref="TransactionSnapshot"/>: applied batch by batch, in log order, as blocks are published
/// (and on a takeover, to the batches recovered after the stored snapshot). Not thread-safe: the log calls it under its
/// gate.
/// </summary>
internal sealed class TransactionIndex
{
    private readonly Dictionary<long, long> _open = [];
    private readonly List<AbortedTransaction> _aborted = [];

    /// <summary>Every batch below it has been applied.</summary>
    public long AsOf { get; private set; }

    /// <summary>The first offset of the oldest open transaction, or <see cref="long.MaxValue"/> when none is open.</summary>
    public long FirstOpenOffset { get; private set; } = long.MaxValue;

    public int OpenCount => _open.Count;

    public void Load(TransactionSnapshot snapshot)
    {
        _open.Clear();
        _aborted.Clear();
        foreach (var open in snapshot.Open)
        {
            _open[open.ProducerId] = open.FirstOffset;
        }

        _aborted.AddRange(snapshot.Aborted);
        AsOf = snapshot.AsOf;
        UpdateFirstOpen();
    }

    /// <summary>Applies a stored batch; one below <see cref="AsOf"/> is already accounted for and ignored.</summary>
    public void Apply(in BatchSummary batch)
    {
        if (batch.BaseOffset < AsOf)
        {
            return;
        }

        switch (batch.Kind)
        {
            case BatchKind.Transactional when batch.ProducerId >= 0:
                if (_open.TryAdd(batch.ProducerId, batch.BaseOffset) && FirstOpenOffset == long.MaxValue)
                {
                    FirstOpenOffset = batch.BaseOffset;
                }

                break;
            case BatchKind.CommitMarker or BatchKind.AbortMarker:
                if (_open.Remove(batch.ProducerId, out var first))
                {
                    if (batch.Kind == BatchKind.AbortMarker)
                    {
                        _aborted.Add(new AbortedTransaction(batch.ProducerId, first, batch.LastOffset));
                    }

                    UpdateFirstOpen();
                }

                break;
        }

        AsOf = batch.LastOffset + 1;
    }

    /// <summary>Marks every offset below <paramref name="offset"/> accounted for (after a takeover applied all it recovered).</summary>
    public void AdvanceTo(long offset) => AsOf = Math.Max(AsOf, offset);

    /// <summary>Whether <paramref name="producerId"/> has a transaction open here (as far as durable batches tell).</summary>
    public bool IsOpen(long producerId) => _open.ContainsKey(producerId);

    /// <summary>The aborted transactions whose range overlaps [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public IReadOnlyList<AbortedTransaction> Overlapping(long from, long to)
    {
        List<AbortedTransaction>? found = null;
        for (var i = _aborted.Count - 1; i >= 0; i--)
        {
            var aborted = _aborted[i];
            if (aborted.LastOffset < from)
            {
                // Ordered by marker offset (LastOffset): every earlier one ends earlier still, so none of them overlaps.
                break;
            }

            if (aborted.FirstOffset < to)
            {
                (found ??= []).Add(aborted);
            }
        }

        if (found is null)
        {
            return [];
        }

        found.Reverse();
        return found;
    }

    /// <summary>The state as of <see cref="AsOf"/>, without aborted transactions wholly below <paramref name="logStart"/>
    /// (which are dropped here too).</summary>
    public TransactionSnapshot ToSnapshot(long logStart)
    {
        _aborted.RemoveAll(a => a.LastOffset < logStart);
        return new TransactionSnapshot(
            AsOf,
            [.. _open.OrderBy(o => o.Value).Select(o => new OpenTransaction(o.Key, o.Value))],
            [.. _aborted]);
    }

    private void UpdateFirstOpen() => FirstOpenOffset = _open.Count == 0 ? long.MaxValue : _open.Values.Min();
}
