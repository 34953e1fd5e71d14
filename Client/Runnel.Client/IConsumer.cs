using System.Text.RegularExpressions;

namespace Runnel.Client;

/// <summary>
/// Reads records from partitions assigned by hand (<see cref="Assign(IEnumerable{TopicPartitionOffset})"/>) or by its
/// consumer group (<see cref="ConsumerOptions.GroupId"/> and <see cref="Subscribe(IEnumerable{string})"/>).
/// <see cref="RunnelConnection.CreateConsumer{TKey, TValue}"/> gives the implementation (<see cref="Consumer{TKey, TValue}"/>,
/// whose remarks tell its fetching, position, group and threading rules); the interface is there to mock or wrap it
/// (as Confluent.Kafka's <c>IConsumer</c>).
/// </summary>
/// <remarks>Close it with <see cref="IAsyncDisposable.DisposeAsync"/> (or <see cref="IDisposable.Dispose"/>, which blocks
/// the calling thread for the same bounded work): a group member commits (with auto-commit) and leaves its group, bounded
/// by <see cref="ConsumerOptions.CloseTimeout"/>.</remarks>
public interface IConsumer<TKey, TValue> : IAsyncDisposable, IDisposable
{
    /// <summary>The options this consumer was made with (validated).</summary>
    ConsumerOptions Options { get; }

    /// <summary>The partitions assigned now.</summary>
    IReadOnlyList<TopicPartition> Assignment { get; }

    /// <summary>The assigned partitions that are paused.</summary>
    IReadOnlyList<TopicPartition> Paused { get; }

    /// <summary>Assigns these partitions (replacing the assignment), each starting where
    /// <see cref="ConsumerOptions.AutoOffsetReset"/> says.</summary>
    void Assign(IEnumerable<TopicPartition> partitions);

    /// <summary>Assigns these partitions (replacing the assignment) at the given offsets, which may be
    /// <see cref="Offset.Beginning"/>, <see cref="Offset.End"/>, <see cref="Offset.Stored"/> (the group's committed
    /// offset) or <see cref="Offset.Unset"/>. A partition that stays assigned keeps its position unless its offset here
    /// is not <see cref="Offset.Unset"/>.</summary>
    /// <exception cref="ArgumentException">A negative offset that is not a special one, or <see cref="Offset.Stored"/>
    /// without <see cref="ConsumerOptions.GroupId"/>.</exception>
    void Assign(IEnumerable<TopicPartitionOffset> partitions);

    /// <summary>Drops every assigned partition.</summary>
    void Unassign();

    /// <summary>Moves a partition's position to an offset (or <see cref="Offset.Beginning"/>, <see cref="Offset.End"/>,
    /// <see cref="Offset.Stored"/>). Buffered records of the partition are dropped and a fetch in flight is cancelled.</summary>
    /// <exception cref="InvalidOperationException">The partition is not assigned.</exception>
    /// <exception cref="ArgumentException">As <see cref="Assign(IEnumerable{TopicPartitionOffset})"/>.</exception>
    void Seek(TopicPartitionOffset position);

    /// <summary>Moves to <see cref="Offset.Beginning"/>.</summary>
    void SeekToBeginning(TopicPartition partition);

    /// <summary>Moves to <see cref="Offset.End"/>.</summary>
    void SeekToEnd(TopicPartition partition);

    /// <summary>Moves to the first record with a timestamp at or after <paramref name="timestamp"/> (one call to the
    /// partition), or to the end when there is none. Returns the offset chosen.</summary>
    Task<long> SeekToTimestampAsync(TopicPartition partition, DateTimeOffset timestamp, CancellationToken cancellationToken = default);

    /// <summary>The offset of the next record <see cref="ConsumeAsync"/> returns for the partition; null while the
    /// start is not resolved yet (a special offset before the first fetch).</summary>
    /// <exception cref="InvalidOperationException">The partition is not assigned.</exception>
    long? Position(TopicPartition partition);

    /// <summary>The partition's high watermark as of its last fetch, or null before one.</summary>
    long? HighWatermark(TopicPartition partition);

    /// <summary>Stops returning records of these partitions (from the next record on) and stops fetching them;
    /// what was fetched is kept for <see cref="Resume"/>.</summary>
    void Pause(IEnumerable<TopicPartition> partitions);

    /// <summary>Returns records of these partitions again, starting with what was kept when they were paused.</summary>
    void Resume(IEnumerable<TopicPartition> partitions);

    /// <summary>
    /// The records of the assigned, unpaused partitions as they arrive, in offset order per partition. Runs until
    /// <paramref name="cancellationToken"/> fires (the enumeration then ends with <see cref="OperationCanceledException"/>)
    /// or the consumer is disposed (it ends quietly). Each record is decoded into its own <see cref="ConsumeResult{TKey, TValue}"/>
    /// (key and value deserialized, so copied); <see cref="ConsumeBatchesAsync"/> hands out the stored bytes instead.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.OffsetOutOfRange"/> under
    /// <see cref="AutoOffsetReset.Error"/>; <see cref="RunnelErrorCode.UnknownTopic"/> and other non-retriable fetch
    /// errors; <see cref="RunnelErrorCode.DeserializationFailed"/>; <see cref="RunnelErrorCode.CorruptRecordBatch"/>.</exception>
    /// <exception cref="InvalidOperationException">Another enumeration (of either kind) is running.</exception>
    IAsyncEnumerable<ConsumeResult<TKey, TValue>> ConsumeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The records of the assigned, unpaused partitions a fetch response at a time: each <see cref="ConsumedBatch"/> holds
    /// one partition's records as the partition stored them, walked in place with no allocation per record (keys and
    /// values are not deserialized; the consumer's deserializers are not used). Partitions, positions, pausing, seeking,
    /// groups and auto-commit behave as with <see cref="ConsumeAsync"/>, a batch counting as its records: when a batch is
    /// handed out, its partition's position moves past its last record, and each step of the enumeration is a poll.
    /// </summary>
    /// <remarks>A batch is valid until the next step of this enumeration (see <see cref="ConsumedBatch"/>'s lifetime
    /// rules): the consumer releases it then, and enumerating it afterwards throws <see cref="ObjectDisposedException"/>.</remarks>
    /// <exception cref="RunnelException">As <see cref="ConsumeAsync"/>, except <see cref="RunnelErrorCode.DeserializationFailed"/>;
    /// <see cref="RunnelErrorCode.CorruptRecordBatch"/> may also come from enumerating a batch.</exception>
    /// <exception cref="InvalidOperationException">Another enumeration (of either kind) is running.</exception>
    IAsyncEnumerable<ConsumedBatch> ConsumeBatchesAsync(CancellationToken cancellationToken = default);


    /// <summary>
    /// Called at a poll (inside <see cref="ConsumeAsync"/>, between records) after the group gave this member partitions;
    /// their positions are already set to the committed offsets (or <see cref="ConsumerOptions.AutoOffsetReset"/>), and
    /// the handler may <see cref="Seek"/> them.
    /// </summary>
    Func<IReadOnlyList<TopicPartition>, ValueTask>? PartitionsAssigned { get; set; }

    /// <summary>
    /// Called at a poll before partitions are given up to another member (and on close): they are still assigned, so
    /// the handler may read <see cref="Position"/> and commit. Auto-commit then commits them, after which no record of
    /// them is returned and the group hands them on.
    /// </summary>
    Func<IReadOnlyList<TopicPartition>, ValueTask>? PartitionsRevoked { get; set; }

    /// <summary>
    /// Called at a poll when partitions were taken away without a revocation (the member was fenced, its session
    /// expired, or it exceeded <see cref="ConsumerOptions.MaxPollInterval"/>): another member may own them already, so
    /// nothing is committed for them. The consumer rejoins by itself.
    /// </summary>
    Func<IReadOnlyList<TopicPartition>, ValueTask>? PartitionsLost { get; set; }

    /// <summary>The subscribed topics (empty for a pattern subscription or none).</summary>
    IReadOnlyList<string> Subscription { get; }

    /// <summary>This member's id in its group; empty before it joined and while it rejoins.</summary>
    string MemberId { get; }

    /// <summary>This member's epoch in its group (0 before it joined).</summary>
    int MemberEpoch { get; }

    /// <summary>The consumer's group, member id and epoch now, for committing its offsets inside a producer's transaction
    /// (<see cref="IProducer{TKey, TValue}.SendOffsetsToTransactionAsync"/>). A consumer with partitions assigned by hand
    /// commits as the group's standalone member (empty member id, epoch -1).</summary>
    /// <exception cref="InvalidOperationException">No <see cref="ConsumerOptions.GroupId"/>.</exception>
    ConsumerGroupMetadata GroupMetadata { get; }

    /// <summary>Joins <see cref="ConsumerOptions.GroupId"/> for these topics (replacing an earlier subscription): the group
    /// assigns partitions, which arrive through <see cref="PartitionsAssigned"/>. The member joins at the first poll.</summary>
    /// <exception cref="InvalidOperationException">No group id, or partitions were assigned by hand.</exception>
    void Subscribe(IEnumerable<string> topics);

    /// <summary>Subscribes to every topic whose whole name matches <paramref name="pattern"/> (the group matches it against
    /// the topic catalog, including topics created later).</summary>
    void Subscribe(Regex pattern);

    /// <summary>Keeps the membership but subscribes to nothing: the group revokes every partition (through
    /// <see cref="PartitionsRevoked"/> and auto-commit, at the next polls) and assigns none until the next
    /// <see cref="Subscribe(IEnumerable{string})"/>.</summary>
    /// <exception cref="InvalidOperationException">No group id, or partitions were assigned by hand.</exception>
    void Unsubscribe();

    /// <summary>
    /// Commits the position (the next offset to read) of every assigned partition the application has consumed from,
    /// and returns what was committed. In a group the commit carries the member's epoch: a partition the member no
    /// longer owns is refused. Without a subscription it is a standalone commit, allowed while the group has no members.
    /// </summary>
    /// <exception cref="InvalidOperationException">No <see cref="ConsumerOptions.GroupId"/>.</exception>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.FencedMember"/>, <see cref="RunnelErrorCode.UnknownMember"/>
    /// (rejoining: nothing committed), <see cref="RunnelErrorCode.OffsetCommitRejected"/> (an offset behind the committed one,
    /// a partition not owned), <see cref="RunnelErrorCode.GroupNotEmpty"/> for a standalone commit into an active group.</exception>
    Task<IReadOnlyList<TopicPartitionOffset>> CommitAsync(CancellationToken cancellationToken = default);

    /// <summary>Commits these offsets (each the next offset to read, as in Kafka); see <see cref="CommitAsync(CancellationToken)"/>.</summary>
    Task CommitAsync(IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default);

    /// <summary>Synchronous <see cref="CommitAsync(CancellationToken)"/> (blocks the calling thread).</summary>
    IReadOnlyList<TopicPartitionOffset> Commit();

    /// <summary>The group's committed offsets for these partitions (absent: nothing committed). One group call.</summary>
    Task<IReadOnlyList<TopicPartitionOffset>> CommittedAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default);
}
