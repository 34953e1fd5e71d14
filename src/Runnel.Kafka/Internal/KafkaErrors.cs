using Runnel.Kafka.Protocol;

namespace Runnel.Kafka.Internal;

/// <summary>Translates Runnel's errors into Kafka error codes a Kafka client knows how to act on: ownership changes
/// and closed logs become NOT_LEADER_OR_FOLLOWER (retriable: the client refreshes metadata and retries), lost calls
/// REQUEST_TIMED_OUT, store trouble KAFKA_STORAGE_ERROR (retriable), and the rest their Kafka namesakes (a commit the
/// group refuses, e.g. one moving an offset back, is INVALID_REQUEST: Kafka has no closer code). Group APIs turn the
/// retriable ones into COORDINATOR_NOT_AVAILABLE (<see cref="ForGroup"/>).</summary>
internal static class KafkaErrors
{
    public static KafkaErrorCode From(Exception exception) => exception switch
    {
        RunnelException runnel => From(runnel.Code),
        OperationCanceledException or TimeoutException => KafkaErrorCode.RequestTimedOut,
        _ => KafkaErrorCode.UnknownServerError,
    };

    public static KafkaErrorCode From(RunnelErrorCode code) => code switch
    {
        RunnelErrorCode.UnknownTopic or RunnelErrorCode.UnknownPartition => KafkaErrorCode.UnknownTopicOrPartition,
        RunnelErrorCode.NotOwner or RunnelErrorCode.LogClosed or RunnelErrorCode.WrongOwner or RunnelErrorCode.ActivationFailed
            or RunnelErrorCode.Rejected or RunnelErrorCode.ConnectionLost or RunnelErrorCode.PreconditionFailed or RunnelErrorCode.BlobSealed
            => KafkaErrorCode.NotLeaderOrFollower,
        RunnelErrorCode.OutcomeUnknown => KafkaErrorCode.RequestTimedOut,
        RunnelErrorCode.OutOfOrderSequence => KafkaErrorCode.OutOfOrderSequenceNumber,
        RunnelErrorCode.UnknownProducerId => KafkaErrorCode.UnknownProducerId,
        RunnelErrorCode.ProducerFenced or RunnelErrorCode.TransactionAborted => KafkaErrorCode.InvalidProducerEpoch,
        RunnelErrorCode.InvalidTransactionState => KafkaErrorCode.InvalidTxnState,
        RunnelErrorCode.ConcurrentTransactions => KafkaErrorCode.ConcurrentTransactions,
        RunnelErrorCode.UnknownTransactionalId => KafkaErrorCode.TransactionalIdNotFound,
        RunnelErrorCode.UnstableOffsetCommit => KafkaErrorCode.UnstableOffsetCommit,
        RunnelErrorCode.CorruptRecordBatch => KafkaErrorCode.CorruptMessage,
        RunnelErrorCode.RecordBatchTooLarge => KafkaErrorCode.MessageTooLarge,
        RunnelErrorCode.OffsetOutOfRange => KafkaErrorCode.OffsetOutOfRange,
        RunnelErrorCode.UnsupportedCompression => KafkaErrorCode.UnsupportedCompressionType,
        RunnelErrorCode.InvalidTopicName => KafkaErrorCode.InvalidTopicException,
        RunnelErrorCode.TopicAlreadyExists => KafkaErrorCode.TopicAlreadyExists,
        RunnelErrorCode.InvalidConfig => KafkaErrorCode.InvalidConfig,
        RunnelErrorCode.InvalidArgument or RunnelErrorCode.MalformedMessage => KafkaErrorCode.InvalidRequest,
        RunnelErrorCode.FencedMember => KafkaErrorCode.IllegalGeneration,
        RunnelErrorCode.UnknownMember => KafkaErrorCode.UnknownMemberId,
        RunnelErrorCode.UnreleasedInstanceId => KafkaErrorCode.UnreleasedInstanceId,
        RunnelErrorCode.GroupNotEmpty => KafkaErrorCode.NonEmptyGroup,
        RunnelErrorCode.UnknownGroup => KafkaErrorCode.GroupIdNotFound,
        RunnelErrorCode.InvalidGroupId => KafkaErrorCode.InvalidGroupId,
        RunnelErrorCode.OffsetCommitRejected => KafkaErrorCode.InvalidRequest,
        RunnelErrorCode.StorageThrottled or RunnelErrorCode.StorageUnavailable or RunnelErrorCode.StorageCorrupt or RunnelErrorCode.BlobNotFound
            or RunnelErrorCode.StorageConflict => KafkaErrorCode.KafkaStorageError,
        _ => KafkaErrorCode.UnknownServerError,
    };

    /// <summary>A code for a transaction API at <paramref name="version"/>: a fenced producer is PRODUCER_FENCED from
    /// <paramref name="producerFencedFrom"/> (KIP-588) and INVALID_PRODUCER_EPOCH before, as Kafka answers each version;
    /// the retriable codes become COORDINATOR_NOT_AVAILABLE, as for groups.</summary>
    public static KafkaErrorCode ForTransaction(KafkaErrorCode code, short version, short producerFencedFrom) =>
        code == KafkaErrorCode.InvalidProducerEpoch && version >= producerFencedFrom ? KafkaErrorCode.ProducerFenced : ForGroup(code);

    /// <summary>A code for a group API: what Kafka clients retry there (after finding the coordinator again) is
    /// COORDINATOR_NOT_AVAILABLE, not the partition-level retriable codes.</summary>
    public static KafkaErrorCode ForGroup(KafkaErrorCode code) =>
        code is KafkaErrorCode.NotLeaderOrFollower or KafkaErrorCode.KafkaStorageError or KafkaErrorCode.RequestTimedOut or KafkaErrorCode.LeaderNotAvailable
            ? KafkaErrorCode.CoordinatorNotAvailable
            : code;
}
