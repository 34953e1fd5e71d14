namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    // Transactional offsets (issue #18) are being built: until they land, no offset is ever pending, and a transactional
    // commit is refused with a typed error.

    public ValueTask<IReadOnlyList<CommittedOffset>> FetchStableOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default) =>
        FetchOffsetsAsync(partitions, cancellationToken);

    public ValueTask CommitTransactionalOffsetsAsync(TransactionalOffsetCommitRequest request, CancellationToken cancellationToken = default) =>
        throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"Group '{GroupId}' does not take transactional offset commits yet.");

    public ValueTask CompleteTransactionAsync(long producerId, short producerEpoch, bool commit, CancellationToken cancellationToken = default) =>
        throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"Group '{GroupId}' does not take transaction markers yet.");
}
