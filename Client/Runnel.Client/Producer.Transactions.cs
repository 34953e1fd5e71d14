namespace Runnel.Client;

/// <summary>Transactions (<see cref="ProducerOptions.TransactionalId"/>).</summary>
public sealed partial class Producer<TKey, TValue>
{
    /// <inheritdoc />
    public Task InitTransactionsAsync(CancellationToken cancellationToken = default) => _engine.InitTransactionsAsync(cancellationToken);

    /// <inheritdoc />
    public void BeginTransaction() => _engine.BeginTransaction();

    /// <inheritdoc />
    public Task SendOffsetsToTransactionAsync(IEnumerable<TopicPartitionOffset> offsets, ConsumerGroupMetadata groupMetadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(groupMetadata);
        var list = new List<Grains.CommittedOffset>();
        foreach (var o in offsets)
        {
            if (o.Offset.Value < 0)
            {
                throw new ArgumentException($"offsets: {o.Topic}/{o.Partition} has offset {o.Offset.Value}; an offset to commit is the next record's, 0 or more.", nameof(offsets));
            }

            list.Add(new Grains.CommittedOffset(o.Topic, o.Partition, o.Offset.Value, null));
        }

        return _engine.SendOffsetsToTransactionAsync(list, groupMetadata.GroupId, groupMetadata.MemberId, groupMetadata.MemberEpoch, cancellationToken);
    }

    /// <inheritdoc />
    public Task CommitTransactionAsync(CancellationToken cancellationToken = default) => _engine.CommitTransactionAsync(cancellationToken);

    /// <inheritdoc />
    public Task AbortTransactionAsync(CancellationToken cancellationToken = default) => _engine.AbortTransactionAsync(cancellationToken);
}
