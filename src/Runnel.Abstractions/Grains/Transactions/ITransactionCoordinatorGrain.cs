using Orleans.Concurrency;

namespace Runnel.Grains;

/// <summary>
/// The coordinator of one transactional producer (Kafka's transaction coordinator, one grain per id). Key: the
/// transactional id (1–249 characters of <c>[a-zA-Z0-9._-]</c>).
/// </summary>
/// <remarks>
/// <para>State (producer id and epoch, the open transaction's partitions and groups, its status and deadline) is kept in
/// the store like every other Runnel state and recovered by the next activation, which finishes whatever a crashed one
/// left: a transaction in <see cref="TransactionStatus.PrepareCommit"/> or <see cref="TransactionStatus.PrepareAbort"/>
/// has its decision durable, and the new activation writes its markers again (markers are idempotent).</para>
/// <para>Two-phase: <see cref="EndTransactionAsync"/> first makes the decision durable, then writes a commit or abort
/// marker to every partition in the transaction (<see cref="IPartitionGrain.WriteTransactionMarkerAsync"/>) and completes
/// every group's transactional offsets (<see cref="IConsumerGroupGrain.CompleteTransactionAsync"/>), then records the
/// transaction complete.</para>
/// <para>Errors: <see cref="RunnelErrorCode.ProducerFenced"/> (an older producer id or epoch than the coordinator's: a newer
/// instance called <see cref="InitProducerIdAsync"/>), <see cref="RunnelErrorCode.InvalidTransactionState"/> (e.g. commit
/// after abort, adding to a transaction that is being completed), <see cref="RunnelErrorCode.ConcurrentTransactions"/>
/// (retriable: the previous transaction's markers are still being written), <see cref="RunnelErrorCode.TransactionAborted"/>
/// (the coordinator aborted the transaction, e.g. at its timeout), <see cref="RunnelErrorCode.UnknownTransactionalId"/>,
/// <see cref="RunnelErrorCode.InvalidArgument"/>.</para>
/// </remarks>
[Alias("runnel.transaction-coordinator")]
public interface ITransactionCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Kafka's InitProducerId with a transactional id: the producer id of this transactional id (a fresh one the
    /// first time) with its epoch bumped, which fences every older instance (their writes and their commit are refused).
    /// An open transaction of an older instance is aborted first (its abort markers written) before this returns.</summary>
    /// <param name="transactionTimeout">How long a transaction of this producer may stay open before the coordinator
    /// aborts it (Kafka's <c>transaction.timeout.ms</c>); between 1 s and 15 min.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    [Alias("InitProducerIdAsync")]
    ValueTask<ProducerIdentity> InitProducerIdAsync(TimeSpan transactionTimeout, CancellationToken cancellationToken = default);

    /// <summary>Adds partitions to the producer's transaction, opening one if none is open; durable when it returns, so
    /// the producer may then write transactional batches to them. <see cref="RunnelErrorCode.UnknownTopic"/> /
    /// <see cref="RunnelErrorCode.UnknownPartition"/> for a partition that does not exist.</summary>
    [Alias("AddPartitionsAsync")]
    ValueTask AddPartitionsAsync(ProducerIdentity producer, IReadOnlyList<TransactionPartition> partitions, CancellationToken cancellationToken = default);

    /// <summary>Adds a consumer group to the producer's transaction (Kafka's AddOffsetsToTxn), opening one if none is
    /// open: the producer may then commit offsets of that group inside the transaction
    /// (<see cref="IConsumerGroupGrain.CommitTransactionalOffsetsAsync"/>).</summary>
    [Alias("AddGroupAsync")]
    ValueTask AddGroupAsync(ProducerIdentity producer, string groupId, CancellationToken cancellationToken = default);

    /// <summary>Commits or aborts the open transaction (Kafka's EndTxn): the decision is made durable, then markers go to
    /// every partition and group, then it is complete. Answers once the markers are written. A retry of the same
    /// decision after it completed answers the same. With <paramref name="bumpEpoch"/> (Runnel's client: every
    /// transaction has an epoch of its own, so a late write of an ended transaction is fenced) the markers carry the next
    /// epoch and the answer is the producer's identity for its next transaction; without it (Kafka clients before
    /// KIP-890) the identity is unchanged.</summary>
    [Alias("EndTransactionAsync")]
    ValueTask<ProducerIdentity> EndTransactionAsync(ProducerIdentity producer, bool commit, bool bumpEpoch, CancellationToken cancellationToken = default);

    /// <summary>The transactional id's producer, status and open transaction.
    /// <see cref="RunnelErrorCode.UnknownTransactionalId"/> when it was never initialized.</summary>
    [ReadOnly]
    [Alias("DescribeAsync")]
    ValueTask<TransactionDescription> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>Aborts the open transaction when its timeout has passed, and finishes one whose markers a crashed
    /// activation left unwritten; does nothing otherwise. The silos' sweep calls it for transactional ids whose stored
    /// state says a transaction is open, so a coordinator whose silo died still times out its transaction. Returns
    /// whether it ended a transaction.</summary>
    [Alias("ExpireAsync")]
    ValueTask<bool> ExpireAsync(CancellationToken cancellationToken = default);
}

/// <summary>The cluster's transactional ids, read from the store on every call. Key: <see cref="RunnelCluster.SingletonKey"/>.</summary>
[Alias("runnel.transaction-catalog")]
public interface ITransactionCatalogGrain : IGrainWithStringKey
{
    /// <summary>Every transactional id's description, ordinal order of id.</summary>
    [ReadOnly]
    [Alias("ListAsync")]
    ValueTask<IReadOnlyList<TransactionDescription>> ListAsync(CancellationToken cancellationToken = default);
}
