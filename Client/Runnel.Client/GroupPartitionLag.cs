namespace Runnel.Client;

/// <summary>One partition of a consumer group's view: its committed offset, the partition's log end (high watermark),
/// the lag between them, and the member that owns it.</summary>
/// <param name="CommittedOffset">The next offset the group reads; null when nothing was committed.</param>
/// <param name="LogEndOffset">The partition's high watermark when described.</param>
/// <param name="Lag">Records between the committed offset and the log end (a read_uncommitted consumer's lag; see
/// <see cref="ReadCommittedLag"/>); null when nothing was committed.</param>
/// <param name="MemberId">The member that owns the partition now; null when none does.</param>
public sealed record GroupPartitionLag(string Topic, int Partition, long? CommittedOffset, long LogEndOffset, long? Lag, string? MemberId)
{
    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <summary>The partition's last stable offset when described: a read_committed consumer (the default) reads up to
    /// it; it is below <see cref="LogEndOffset"/> while a transaction is open.</summary>
    public long LastStableOffset { get; init; } = LogEndOffset;

    /// <summary>The lag of a read_committed consumer: records between the committed offset and the last stable offset
    /// (<see cref="Lag"/> is a read_uncommitted consumer's, to the log end); null when nothing was committed.</summary>
    public long? ReadCommittedLag => CommittedOffset is { } committed ? Math.Max(0, LastStableOffset - committed) : null;
}
