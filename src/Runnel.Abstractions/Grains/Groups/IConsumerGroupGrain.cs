using Orleans.Concurrency;

namespace Runnel.Grains;

/// <summary>
/// A consumer group: its members, their sessions and epochs, the assignment of the subscribed topics' partitions to
/// them, and the committed offsets. Key: the group id (1–249 characters of <c>[a-zA-Z0-9._-]</c>, like a topic name).
/// </summary>
/// <remarks>
/// <para>Assignment runs here, on the server (the shape of Kafka's KIP-848): a member heartbeats with its subscription
/// and the partitions it owns, and is answered with the partitions it may own now. Rebalances are cooperative and
/// incremental: a partition is handed to its new owner only after the previous owner reported (in a heartbeat) that it
/// no longer owns it, or after that owner's session expired; everyone keeps consuming their other partitions meanwhile.</para>
/// <para>State changes (members, epochs, target assignment, commits, resets) are appended to the group's own log under
/// <c>groups/{group}/</c> and acknowledged only once durable; a snapshot keeps replay on activation short. A new
/// activation (after its silo died) restores members and their assignment, so members that keep heartbeating keep
/// their partitions with no rebalance.</para>
/// <para>Kafka clients' classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) is served here too, with the
/// assignment done by the leader member as Kafka does: the grain holds the classic members, the generation, the leader
/// and the leader's assignment in its activation (not in its log). A group has Runnel members or classic members, not
/// both at once; committed offsets are the same table for both.</para>
/// <para>Errors: <see cref="RunnelErrorCode.FencedMember"/> (stale member epoch: drop every partition, rejoin),
/// <see cref="RunnelErrorCode.UnknownMember"/> (not in the group: rejoin), <see cref="RunnelErrorCode.MaxPollIntervalExceeded"/>
/// (the member's partitions were taken back: rejoin), <see cref="RunnelErrorCode.GroupNotEmpty"/>,
/// <see cref="RunnelErrorCode.UnknownGroup"/>, <see cref="RunnelErrorCode.InvalidGroupId"/>,
/// <see cref="RunnelErrorCode.OffsetCommitRejected"/>, <see cref="RunnelErrorCode.InvalidArgument"/>,
/// <see cref="RunnelErrorCode.UnreleasedInstanceId"/> (only for joins that ask, <see cref="GroupHeartbeatRequest.RequireReleasedInstance"/>).</para>
/// </remarks>
[Alias("runnel.consumer-group")]
public interface IConsumerGroupGrain : IGrainWithStringKey
{
    /// <summary>Joins (<see cref="GroupHeartbeatRequest.MemberEpoch"/> 0), heartbeats, or reports owned partitions;
    /// answers the member's current epoch and the partitions it may own now.</summary>
    [Alias("HeartbeatAsync")]
    ValueTask<GroupHeartbeatResponse> HeartbeatAsync(GroupHeartbeatRequest request, CancellationToken cancellationToken = default);

    /// <summary>Leaves the group at once: the member's partitions are free for the others without waiting for its
    /// session to expire. A static member (one with an instance id) that leaves with <paramref name="temporary"/>
    /// keeps its assignment reserved for its session timeout, so a restart gets the same partitions back. A negative
    /// <paramref name="memberEpoch"/> leaves at whatever epoch the member is (Kafka's leave carries none).</summary>
    [Alias("LeaveAsync")]
    ValueTask LeaveAsync(string memberId, int memberEpoch, bool temporary, CancellationToken cancellationToken = default);

    /// <summary>Commits offsets (the next offset to read, as in Kafka) for partitions the member owns at
    /// <paramref name="request"/>'s epoch. All or nothing; durable when it returns. An offset below the committed one is
    /// rejected (<see cref="RunnelErrorCode.OffsetCommitRejected"/>): only <see cref="ResetOffsetsAsync"/> moves back.
    /// A request with no member id is a standalone commit (manual assignment), allowed only while the group has no
    /// members. A Kafka classic member commits with its member id and generation (in the epoch field): an old
    /// generation is <see cref="RunnelErrorCode.FencedMember"/>, and any partition may be named (its leader assigned
    /// them, not the grain).</summary>
    [Alias("CommitOffsetsAsync")]
    ValueTask CommitOffsetsAsync(OffsetCommitRequest request, CancellationToken cancellationToken = default);

    /// <summary>Committed offsets for <paramref name="partitions"/> (every committed partition when null).
    /// Partitions with nothing committed are left out.</summary>
    [ReadOnly]
    [Alias("FetchOffsetsAsync")]
    ValueTask<IReadOnlyList<CommittedOffset>> FetchOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default);

    /// <summary>Committed offsets as <see cref="FetchOffsetsAsync"/>, but stable (Kafka's <c>require_stable</c>): when a
    /// requested partition (any, when null) has an offset pending in an open transaction,
    /// <see cref="RunnelErrorCode.UnstableOffsetCommit"/> (retriable) instead, so a consumer taking over a partition
    /// starts after what the transaction will commit, never before it.</summary>
    [ReadOnly]
    [Alias("FetchStableOffsetsAsync")]
    ValueTask<IReadOnlyList<CommittedOffset>> FetchStableOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default);

    /// <summary>Kafka's TxnOffsetCommit: offsets committed inside a transaction, pending (durably) until the transaction's
    /// coordinator completes it with <see cref="CompleteTransactionAsync"/>. The member is checked as for
    /// <see cref="CommitOffsetsAsync"/> (a stale epoch is <see cref="RunnelErrorCode.FencedMember"/>); a producer epoch
    /// older than one this group has seen for the producer id is <see cref="RunnelErrorCode.ProducerFenced"/>. The group
    /// must have been added to the transaction (<see cref="ITransactionCoordinatorGrain.AddGroupAsync"/>) first.</summary>
    [Alias("CommitTransactionalOffsetsAsync")]
    ValueTask CommitTransactionalOffsetsAsync(TransactionalOffsetCommitRequest request, CancellationToken cancellationToken = default);

    /// <summary>The transaction coordinator's marker for this group: the producer's pending offsets become committed
    /// (<paramref name="commit"/>) or are dropped. Idempotent; durable when it returns. Only coordinators call it.</summary>
    [Alias("CompleteTransactionAsync")]
    ValueTask CompleteTransactionAsync(long producerId, short producerEpoch, bool commit, CancellationToken cancellationToken = default);

    /// <summary>State, members with their assignment, and committed offsets. A group that never existed is
    /// <see cref="RunnelErrorCode.UnknownGroup"/>.</summary>
    [ReadOnly]
    [Alias("DescribeAsync")]
    ValueTask<GroupDescription> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>Admin: sets committed offsets to exactly these values (moving back is allowed here). Only for a group
    /// with no members (<see cref="RunnelErrorCode.GroupNotEmpty"/> otherwise). The caller resolves earliest, latest,
    /// by timestamp and shift-by to offsets.</summary>
    [Alias("ResetOffsetsAsync")]
    ValueTask ResetOffsetsAsync(IReadOnlyList<CommittedOffset> offsets, CancellationToken cancellationToken = default);

    /// <summary>Admin: deletes the group and its blobs. Only for a group with no members.</summary>
    [Alias("DeleteAsync")]
    ValueTask DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Kafka's classic protocol, first call of a join: adds the member (or takes its rejoin) and starts a
    /// rebalance when needed. Answers at once when this join completed the round, else
    /// <see cref="ClassicGroupError.Pending"/> with the member id: the caller then waits with
    /// <see cref="AwaitClassicJoinAsync"/>. The round completes when every member has rejoined, or at the longest
    /// rebalance timeout (members that did not rejoin are removed). Classic membership lives in the activation (not in
    /// the group's log): after a failover members are unknown and rejoin; committed offsets are durable. A group with
    /// server-assigned members answers <see cref="ClassicGroupError.ServerAssigned"/> here, and so do the sync, heartbeat
    /// and leave of such a member: the caller runs the member through <see cref="HeartbeatAsync"/> instead.</summary>
    [Alias("JoinClassicAsync")]
    ValueTask<ClassicJoinResponse> JoinClassicAsync(ClassicJoinRequest request, CancellationToken cancellationToken = default);

    /// <summary>Waits up to <paramref name="maxWait"/> for <paramref name="memberId"/>'s pending join; still
    /// <see cref="ClassicGroupError.Pending"/> when the round is not over. Interleaves with every other call.</summary>
    [AlwaysInterleave]
    [Alias("AwaitClassicJoinAsync")]
    ValueTask<ClassicJoinResponse> AwaitClassicJoinAsync(string memberId, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Kafka's SyncGroup: the leader hands in every member's assignment (held by the grain until the next
    /// rebalance); each member gets its own. A follower that syncs before the leader gets
    /// <see cref="ClassicGroupError.Pending"/> and waits with <see cref="AwaitClassicSyncAsync"/>.</summary>
    [Alias("SyncClassicAsync")]
    ValueTask<ClassicSyncResponse> SyncClassicAsync(string memberId, int generationId, IReadOnlyList<ClassicAssignment> assignments, CancellationToken cancellationToken = default);

    /// <summary>Waits up to <paramref name="maxWait"/> for the leader's assignment. Interleaves with every other call.</summary>
    [AlwaysInterleave]
    [Alias("AwaitClassicSyncAsync")]
    ValueTask<ClassicSyncResponse> AwaitClassicSyncAsync(string memberId, int generationId, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Kafka's Heartbeat: keeps the member's session; tells it when a rebalance started.</summary>
    [Alias("HeartbeatClassicAsync")]
    ValueTask<ClassicGroupError> HeartbeatClassicAsync(string memberId, int generationId, CancellationToken cancellationToken = default);

    /// <summary>Kafka's LeaveGroup: the member leaves at once and the others rebalance.</summary>
    [Alias("LeaveClassicAsync")]
    ValueTask<ClassicGroupError> LeaveClassicAsync(string memberId, CancellationToken cancellationToken = default);

    /// <summary>The group in Kafka's terms (DescribeGroups, ListGroups); a group that never existed is "Dead".</summary>
    [ReadOnly]
    [Alias("DescribeClassicAsync")]
    ValueTask<ClassicGroupDescription> DescribeClassicAsync(CancellationToken cancellationToken = default);
}

/// <summary>The cluster's list of consumer groups, read from the store. Key: the empty string.</summary>
[Alias("runnel.consumer-group-catalog")]
public interface IConsumerGroupCatalogGrain : IGrainWithStringKey
{
    /// <summary>Every group's id, ordinal order.</summary>
    [ReadOnly]
    [Alias("ListGroupsAsync")]
    ValueTask<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default);
}
