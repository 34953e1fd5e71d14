namespace Runnel.Grains;

/// <summary>One partition of one topic, as consumer groups name them.</summary>
[GenerateSerializer, Alias("runnel.GroupPartition")]
public sealed record GroupPartition(
    [property: Id(0)] string Topic,
    [property: Id(1)] int Partition)
{
    public override string ToString() => PartitionKey.Format(Topic, Partition);
}

/// <summary>How the group grain spreads partitions over members.</summary>
[GenerateSerializer, Alias("runnel.GroupAssignor")]
public enum GroupAssignor
{
    /// <summary>As even as possible, and sticky: a rebalance moves the fewest partitions (the default).</summary>
    Uniform = 0,

    /// <summary>Kafka's range: per topic, consecutive partitions to members in member-id order.</summary>
    Range = 1,

    /// <summary>Kafka's round-robin over all subscribed partitions in member-id order.</summary>
    RoundRobin = 2,
}

/// <summary>
/// A member's heartbeat. <see cref="MemberEpoch"/> 0 with an empty <see cref="MemberId"/> joins (the grain assigns an id;
/// a static member names itself by <see cref="InstanceId"/>). Later heartbeats carry the id and epoch the last response
/// gave, and <see cref="OwnedPartitions"/>: what the member owns right now — dropping a partition from it is how the
/// member confirms it stopped consuming it. <see cref="SinceLastPoll"/> is how long ago the application last polled;
/// beyond <see cref="MaxPollInterval"/> the member's partitions are taken back and it is told so.
/// </summary>
[GenerateSerializer, Alias("runnel.GroupHeartbeatRequest")]
public sealed record GroupHeartbeatRequest(
    [property: Id(0)] string MemberId,
    [property: Id(1)] int MemberEpoch,
    [property: Id(2)] string? InstanceId,
    [property: Id(3)] string ClientId,
    [property: Id(4)] IReadOnlyList<string> SubscribedTopics,
    [property: Id(5)] string? SubscribedPattern,
    [property: Id(6)] GroupAssignor Assignor,
    [property: Id(7)] TimeSpan SessionTimeout,
    [property: Id(8)] TimeSpan MaxPollInterval,
    [property: Id(9)] TimeSpan SinceLastPoll,
    [property: Id(10)] IReadOnlyList<GroupPartition> OwnedPartitions)
{
    /// <summary>What this heartbeat leaves out because it did not change since the member's last one (Kafka's KIP-848
    /// heartbeats send only changes): the member keeps its value and the matching fields here are ignored. Only a member
    /// already in the group (epoch above 0) may leave anything out. Default: nothing.</summary>
    [Id(11)]
    public GroupHeartbeatOmissions Omitted { get; init; }

    /// <summary>When true (Kafka's consumer protocol), a join under an <see cref="InstanceId"/> that another member holds
    /// is refused with <see cref="RunnelErrorCode.UnreleasedInstanceId"/> unless that member left temporarily (its
    /// assignment is then taken over); when false (Runnel's client, Kafka's classic static membership), the new member
    /// takes the old one's place at once and the old one is fenced. Default: false.</summary>
    [Id(12)]
    public bool RequireReleasedInstance { get; init; }

    /// <summary>The member's rack (Kafka's client.rack), shown in descriptions; null = unchanged (none on a join).</summary>
    [Id(13)]
    public string? RackId { get; init; }
}

/// <summary>Fields of a <see cref="GroupHeartbeatRequest"/> that carry nothing new: the group keeps the member's value.</summary>
[Flags]
[GenerateSerializer, Alias("runnel.GroupHeartbeatOmissions")]
public enum GroupHeartbeatOmissions
{
    /// <summary>Every field is carried.</summary>
    None = 0,

    /// <summary><see cref="GroupHeartbeatRequest.SubscribedTopics"/>, <see cref="GroupHeartbeatRequest.SubscribedPattern"/>
    /// and <see cref="GroupHeartbeatRequest.Assignor"/> are unchanged.</summary>
    Subscription = 1,

    /// <summary><see cref="GroupHeartbeatRequest.OwnedPartitions"/> is unchanged: the member still owns everything it was
    /// assigned and everything it has yet to revoke.</summary>
    OwnedPartitions = 2,

    /// <summary><see cref="GroupHeartbeatRequest.MaxPollInterval"/> is unchanged.</summary>
    MaxPollInterval = 4,
}

/// <summary>
/// The answer to a heartbeat: the member's id and epoch, the group epoch, and <see cref="Assignment"/> — the partitions
/// the member may own now. Partitions the member owns but that are not in it must be revoked (stop, commit, report them
/// no longer owned). Partitions still being released by another member are not in it yet; they arrive in a later
/// heartbeat. The member heartbeats again after <see cref="HeartbeatInterval"/>.
/// </summary>
[GenerateSerializer, Alias("runnel.GroupHeartbeatResponse")]
public sealed record GroupHeartbeatResponse(
    [property: Id(0)] string MemberId,
    [property: Id(1)] int MemberEpoch,
    [property: Id(2)] int GroupEpoch,
    [property: Id(3)] TimeSpan HeartbeatInterval,
    [property: Id(4)] IReadOnlyList<GroupPartition> Assignment);

/// <summary>One committed offset: the next offset the group will read in the partition, with optional metadata.</summary>
[GenerateSerializer, Alias("runnel.CommittedOffset")]
public sealed record CommittedOffset(
    [property: Id(0)] string Topic,
    [property: Id(1)] int Partition,
    [property: Id(2)] long Offset,
    [property: Id(3)] string? Metadata);

/// <summary>An offset commit by a member at its epoch (or a standalone commit: empty member id, epoch -1).</summary>
[GenerateSerializer, Alias("runnel.OffsetCommitRequest")]
public sealed record OffsetCommitRequest(
    [property: Id(0)] string MemberId,
    [property: Id(1)] int MemberEpoch,
    [property: Id(2)] IReadOnlyList<CommittedOffset> Offsets);

/// <summary>A group's state.</summary>
[GenerateSerializer, Alias("runnel.GroupState")]
public enum GroupState
{
    /// <summary>No members (offsets may be committed).</summary>
    Empty = 0,

    /// <summary>Every member owns exactly its target assignment.</summary>
    Stable = 1,

    /// <summary>A rebalance is in progress: some partitions are waiting to be released or taken up.</summary>
    Reconciling = 2,
}

/// <summary>A member as the group grain sees it.</summary>
[GenerateSerializer, Alias("runnel.GroupMemberDescription")]
public sealed record GroupMemberDescription(
    [property: Id(0)] string MemberId,
    [property: Id(1)] string? InstanceId,
    [property: Id(2)] string ClientId,
    [property: Id(3)] int MemberEpoch,
    [property: Id(4)] IReadOnlyList<GroupPartition> Assigned,
    [property: Id(5)] IReadOnlyList<GroupPartition> PendingRevocation)
{
    /// <summary>The topics the member subscribes to by name.</summary>
    [Id(6)]
    public IReadOnlyList<string> SubscribedTopics { get; init; } = [];

    /// <summary>The member's subscription pattern, if it has one.</summary>
    [Id(7)]
    public string? SubscribedPattern { get; init; }

    /// <summary>The partitions the group's target assignment gives the member (it owns them once others released them).</summary>
    [Id(8)]
    public IReadOnlyList<GroupPartition> Target { get; init; } = [];

    /// <summary>The rack the member named (<see cref="GroupHeartbeatRequest.RackId"/>), if any.</summary>
    [Id(9)]
    public string? RackId { get; init; }
}

/// <summary>A group as it is: state, epoch, assignor, members and committed offsets.</summary>
[GenerateSerializer, Alias("runnel.GroupDescription")]
public sealed record GroupDescription(
    [property: Id(0)] string GroupId,
    [property: Id(1)] GroupState State,
    [property: Id(2)] int GroupEpoch,
    [property: Id(3)] GroupAssignor Assignor,
    [property: Id(4)] IReadOnlyList<GroupMemberDescription> Members,
    [property: Id(5)] IReadOnlyList<CommittedOffset> Offsets)
{
    /// <summary>The group epoch the target assignment was computed at.</summary>
    [Id(6)]
    public int AssignmentEpoch { get; init; }
}
