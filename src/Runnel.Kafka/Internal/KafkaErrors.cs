using Runnel.Kafka.Protocol;

namespace Runnel.Kafka.Internal;

/// <summary>Translates Runnel's errors into Kafka error codes a Kafka client knows how to act on: ownership changes
/// and closed logs become NOT_LEADER_OR_FOLLOWER (retriable: the client refreshes metadata and retries), lost calls
/// REQUEST_TIMED_OUT, store trouble KAFKA_STORAGE_ERROR (retriable), and the rest their Kafka namesakes.</summary>
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
        RunnelErrorCode.ProducerFenced => KafkaErrorCode.InvalidProducerEpoch,
        RunnelErrorCode.CorruptRecordBatch => KafkaErrorCode.CorruptMessage,
        RunnelErrorCode.RecordBatchTooLarge => KafkaErrorCode.MessageTooLarge,
        RunnelErrorCode.OffsetOutOfRange => KafkaErrorCode.OffsetOutOfRange,
        RunnelErrorCode.UnsupportedCompression => KafkaErrorCode.UnsupportedCompressionType,
        RunnelErrorCode.InvalidTopicName => KafkaErrorCode.InvalidTopicException,
        RunnelErrorCode.TopicAlreadyExists => KafkaErrorCode.TopicAlreadyExists,
        RunnelErrorCode.InvalidConfig => KafkaErrorCode.InvalidConfig,
        RunnelErrorCode.InvalidArgument or RunnelErrorCode.MalformedMessage => KafkaErrorCode.InvalidRequest,
        RunnelErrorCode.StorageThrottled or RunnelErrorCode.StorageUnavailable or RunnelErrorCode.StorageCorrupt or RunnelErrorCode.BlobNotFound
            or RunnelErrorCode.StorageConflict => KafkaErrorCode.KafkaStorageError,
        _ => KafkaErrorCode.UnknownServerError,
    };
}
