namespace Runnel.Kafka.Protocol;

/// <summary>The Kafka error codes the listener answers with (Kafka's numbers; a client switches on them).</summary>
internal enum KafkaErrorCode : short
{
    UnknownServerError = -1,
    None = 0,
    OffsetOutOfRange = 1,
    CorruptMessage = 2,
    UnknownTopicOrPartition = 3,
    LeaderNotAvailable = 5,
    NotLeaderOrFollower = 6,
    RequestTimedOut = 7,
    MessageTooLarge = 10,
    CoordinatorNotAvailable = 15,
    InvalidTopicException = 17,
    InvalidRequiredAcks = 21,
    UnsupportedVersion = 35,
    TopicAlreadyExists = 36,
    InvalidPartitions = 37,
    InvalidReplicationFactor = 38,
    InvalidReplicaAssignment = 39,
    InvalidConfig = 40,
    InvalidRequest = 42,
    OutOfOrderSequenceNumber = 45,
    InvalidProducerEpoch = 47,
    KafkaStorageError = 56,
    UnknownProducerId = 59,
    UnsupportedCompressionType = 76,
    InvalidRecord = 87,
    ProducerFenced = 90,
}
