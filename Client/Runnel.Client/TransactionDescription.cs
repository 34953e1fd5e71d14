namespace Runnel.Client;

/// <summary>A transactional id as its coordinator sees it (<see cref="IAdminClient.DescribeTransactionAsync"/>).</summary>
/// <param name="TransactionalId">The id (<see cref="ProducerOptions.TransactionalId"/>).</param>
/// <param name="ProducerId">The producer id the coordinator gave it.</param>
/// <param name="ProducerEpoch">Its current epoch: older ones are fenced.</param>
/// <param name="State">Where its transaction is.</param>
/// <param name="Timeout">How long a transaction may stay open before the coordinator aborts it.</param>
/// <param name="StartedAt">When the open transaction began (its first partition or group was added); null when none is open.</param>
/// <param name="Partitions">The open transaction's partitions.</param>
/// <param name="Groups">The consumer groups whose offsets the open transaction commits.</param>
public sealed record TransactionDescription(
    string TransactionalId,
    long ProducerId,
    short ProducerEpoch,
    TransactionState State,
    TimeSpan Timeout,
    DateTimeOffset? StartedAt,
    IReadOnlyList<TopicPartition> Partitions,
    IReadOnlyList<string> Groups);
