namespace Runnel.Client;

/// <summary>
/// Topic and consumer group administration: create, describe, list, alter, delete topics, add partitions, partition
/// offsets; list, describe (with lag), delete groups and reset their offsets. <see cref="RunnelConnection.Admin"/> gives
/// the implementation; the interface is there to mock or wrap it (as Confluent.Kafka's <c>IAdminClient</c>).
/// </summary>
/// <remarks>Each method is one or a few calls to the cluster. Calls that fail before they were sent
/// (<see cref="RunnelErrorCode.ConnectionLost"/>, <see cref="RunnelErrorCode.Rejected"/>) are retried up to 3 times;
/// reads are retried on any retriable error. Errors surface as <see cref="RunnelException"/> with the server's code
/// (<see cref="RunnelErrorCode.UnknownTopic"/>, <see cref="RunnelErrorCode.TopicAlreadyExists"/>,
/// <see cref="RunnelErrorCode.InvalidConfig"/>, <see cref="RunnelErrorCode.UnknownGroup"/>,
/// <see cref="RunnelErrorCode.GroupNotEmpty"/>, ...). Thread-safe.</remarks>
public interface IAdminClient
{
    /// <summary>Creates a topic with <paramref name="partitions"/> partitions and config overrides.</summary>
    Task<TopicDescription> CreateTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? config = null, CancellationToken cancellationToken = default);

    /// <summary>The topic's partition count, effective config and creation time.</summary>
    Task<TopicDescription> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Every topic's name, ordinal order.</summary>
    Task<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets config overrides; a null value removes an override.</summary>
    Task<TopicDescription> AlterTopicConfigAsync(string topic, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken = default);

    /// <summary>Deletes the topic.</summary>
    Task DeleteTopicAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Grows the topic to <paramref name="totalPartitions"/> partitions (never shrinks).</summary>
    Task<TopicDescription> AddPartitionsAsync(string topic, int totalPartitions, CancellationToken cancellationToken = default);

    /// <summary>One partition's watermarks (log start, high watermark, last stable offset).</summary>
    Task<WatermarkOffsets> GetPartitionOffsetsAsync(TopicPartition partition, CancellationToken cancellationToken = default);

    /// <summary>Every partition's watermarks, in partition order: one describe, then the partitions concurrently.</summary>
    Task<IReadOnlyList<WatermarkOffsets>> GetTopicOffsetsAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>
    /// Kafka's DeleteRecords: records of <paramref name="partition"/> below <paramref name="beforeOffset"/> (-1: the high
    /// watermark) are deleted — no longer readable, and the segments wholly below are removed from storage. Returns the
    /// partition's log start offset afterwards (its low watermark). An offset at or below the log start changes nothing.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.OffsetOutOfRange"/> when the offset is above the high
    /// watermark (or negative other than -1); <see cref="RunnelErrorCode.UnknownTopic"/>.</exception>
    Task<long> DeleteRecordsAsync(TopicPartition partition, long beforeOffset, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a compaction pass now on every partition of <paramref name="topic"/> (Kafka's cleaner, on demand): each keeps
    /// the latest record of every key in its sealed segments, at its offset, whatever the dirty ratio. One describe, then
    /// the partitions concurrently; each pass reads its partition's sealed segments and rewrites what is kept. Returns
    /// each partition's result, in partition order.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidConfig"/> when the topic's
    /// <c>cleanup.policy</c> does not include <c>compact</c>; <see cref="RunnelErrorCode.UnknownTopic"/>.</exception>
    Task<IReadOnlyList<CompactionResult>> CompactTopicAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>The first offset whose record's timestamp is at or after <paramref name="timestamp"/>; null when none is.</summary>
    Task<long?> OffsetForTimestampAsync(TopicPartition partition, DateTimeOffset timestamp, CancellationToken cancellationToken = default);

    /// <summary>Every consumer group's id, ordinal order.</summary>
    Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The group's state and members, and for every partition it committed or a member owns: the committed offset, the
    /// log end (high watermark) and the lag, plus the total lag. One group call, then one call per partition, concurrently.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.UnknownGroup"/>.</exception>
    Task<ConsumerGroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken = default);

    /// <summary>Every transactional id the cluster knows, with its producer and open transaction; ordinal order of id.
    /// One call, which reads the store.</summary>
    Task<IReadOnlyList<TransactionDescription>> ListTransactionsAsync(CancellationToken cancellationToken = default);

    /// <summary>A transactional id's producer, state and open transaction (one call to its coordinator).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.UnknownTransactionalId"/>: it was never initialized.</exception>
    Task<TransactionDescription> DescribeTransactionAsync(string transactionalId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a group with no members, with its committed offsets.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.GroupNotEmpty"/>, <see cref="RunnelErrorCode.UnknownGroup"/>.</exception>
    Task DeleteGroupAsync(string groupId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the group's committed offsets for every partition of <paramref name="topic"/> (or only
    /// <paramref name="partitions"/>) to where <paramref name="spec"/> says, resolved against each partition's watermarks
    /// (and timestamps) and clamped to [log start, high watermark]; moving back is allowed. Only for a group with no
    /// members. Returns the offsets set, in partition order.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.GroupNotEmpty"/> while members are active,
    /// <see cref="RunnelErrorCode.UnknownTopic"/>, <see cref="RunnelErrorCode.UnknownPartition"/>.</exception>
    Task<IReadOnlyList<TopicPartitionOffset>> ResetOffsetsAsync(
        string groupId, string topic, OffsetResetSpec spec, IReadOnlyList<int>? partitions = null, CancellationToken cancellationToken = default);
}
