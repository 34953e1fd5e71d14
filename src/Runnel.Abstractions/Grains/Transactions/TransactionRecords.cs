namespace Runnel.Grains;

/// <summary>A partition taking part in a transaction.</summary>
[GenerateSerializer, Immutable, Alias("runnel.TransactionPartition")]
public sealed record TransactionPartition([property: Id(0)] string Topic, [property: Id(1)] int Partition)
{
    public override string ToString() => PartitionKey.Format(Topic, Partition);
}

/// <summary>Where a transactional id's transaction is (Kafka's transaction states).</summary>
[GenerateSerializer, Alias("runnel.TransactionStatus")]
public enum TransactionStatus
{
    /// <summary>Initialized, no transaction open.</summary>
    Empty = 0,

    /// <summary>A transaction is open: partitions or groups were added.</summary>
    Ongoing = 1,

    /// <summary>Commit decided (durably); markers are being written.</summary>
    PrepareCommit = 2,

    /// <summary>Abort decided (durably); markers are being written.</summary>
    PrepareAbort = 3,

    /// <summary>The last transaction committed; markers written.</summary>
    CompleteCommit = 4,

    /// <summary>The last transaction aborted; markers written.</summary>
    CompleteAbort = 5,
}

/// <summary>A transactional id as its coordinator sees it.</summary>
[GenerateSerializer, Immutable, Alias("runnel.TransactionDescription")]
public sealed record TransactionDescription(
    [property: Id(0)] string TransactionalId,
    [property: Id(1)] long ProducerId,
    [property: Id(2)] short ProducerEpoch,
    [property: Id(3)] TransactionStatus Status,
    [property: Id(4)] TimeSpan Timeout,
    [property: Id(5)] DateTimeOffset? StartedAt,
    [property: Id(6)] IReadOnlyList<TransactionPartition> Partitions,
    [property: Id(7)] IReadOnlyList<string> Groups);

/// <summary>A commit or abort marker for one producer's open transaction on a partition (written by the coordinator,
/// <see cref="IPartitionGrain.WriteTransactionMarkerAsync"/>).</summary>
/// <param name="ProducerId">The transaction's producer.</param>
/// <param name="ProducerEpoch">The epoch the marker carries: at least the producer's epoch on the partition. A higher one
/// fences the older epoch's writes from then on (the next transaction's batches start at sequence 0).</param>
/// <param name="Commit">Commit (records become visible to read_committed consumers) or abort (they are skipped).</param>
/// <param name="CoordinatorEpoch">The coordinator's epoch (stored in the marker, as Kafka's).</param>
/// <param name="Participants">The partitions of the marked partition's topic that the transaction wrote to, stored in the
/// marker's <c>runnel.txn.partitions</c> header (Kafka clients ignore a marker's headers) so that a table can apply a
/// transaction that spans partitions in one swap; null writes no header.</param>
/// <param name="TransactionId">Identifies the transaction among its producer's (with <paramref name="Participants"/>, in
/// the <c>runnel.txn.partitions</c> header): the transactional id's count of transactions opened, the same on every marker
/// of one transaction and never reused, so a reader matches the markers of one transaction across partitions (retried,
/// duplicated markers included).</param>
[GenerateSerializer, Immutable, Alias("runnel.TransactionMarker")]
public sealed record TransactionMarker(
    [property: Id(0)] long ProducerId,
    [property: Id(1)] short ProducerEpoch,
    [property: Id(2)] bool Commit,
    [property: Id(3)] int CoordinatorEpoch,
    [property: Id(4)] IReadOnlyList<int>? Participants = null,
    [property: Id(5)] long TransactionId = 0);

/// <summary>An aborted transaction of one producer on a partition: its records from <paramref name="FirstOffset"/> to its
/// abort marker at <paramref name="LastOffset"/> are to be skipped by read_committed readers (the producer's batches with
/// the transactional flag in that range; other producers' records in between are not affected).</summary>
[GenerateSerializer, Immutable, Alias("runnel.AbortedTransaction")]
public readonly record struct AbortedTransaction(
    [property: Id(0)] long ProducerId,
    [property: Id(1)] long FirstOffset,
    [property: Id(2)] long LastOffset);

/// <summary>Offsets committed by a transactional producer inside its transaction (Kafka's TxnOffsetCommit): pending in the
/// group until the coordinator completes the transaction (<see cref="IConsumerGroupGrain.CompleteTransactionAsync"/>),
/// then committed or dropped.</summary>
/// <param name="TransactionalId">The producer's transactional id.</param>
/// <param name="Producer">The producer's id and epoch in the transaction.</param>
/// <param name="MemberId">The consumer's member id in the group (empty for a standalone consumer).</param>
/// <param name="MemberEpoch">The consumer's member epoch (or classic generation); a stale one is
/// <see cref="RunnelErrorCode.FencedMember"/>, so a zombie that lost its partitions cannot commit.</param>
/// <param name="Offsets">The offsets, as in <see cref="OffsetCommitRequest"/>.</param>
[GenerateSerializer, Immutable, Alias("runnel.TransactionalOffsetCommitRequest")]
public sealed record TransactionalOffsetCommitRequest(
    [property: Id(0)] string TransactionalId,
    [property: Id(1)] ProducerIdentity Producer,
    [property: Id(2)] string MemberId,
    [property: Id(3)] int MemberEpoch,
    [property: Id(4)] IReadOnlyList<CommittedOffset> Offsets);
