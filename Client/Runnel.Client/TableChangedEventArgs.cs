namespace Runnel.Client;

/// <summary>The changes a <see cref="RunnelTable{TKey, TValue}"/> applied from one partition in one swap, and the table
/// as it is right after the swap. A swap that applied several partitions' records (a transaction that spans them)
/// raises one event per partition, all with the same <see cref="Snapshot"/>.</summary>
public sealed class TableChangedEventArgs<TKey, TValue> : EventArgs
    where TKey : notnull
{
    internal TableChangedEventArgs(TopicPartition partition, IReadOnlyList<TableChange<TKey, TValue>> changes, IReadOnlyDictionary<TKey, TValue> snapshot)
    {
        Partition = partition;
        Changes = changes;
        Snapshot = snapshot;
    }

    /// <summary>The partition the records came from.</summary>
    public TopicPartition Partition { get; }

    /// <summary>The records applied, in offset order (a key may appear more than once: an update's two images).</summary>
    public IReadOnlyList<TableChange<TKey, TValue>> Changes { get; }

    /// <summary>The table's contents once these changes were applied (immutable: later changes do not touch it).</summary>
    public IReadOnlyDictionary<TKey, TValue> Snapshot { get; }
}
