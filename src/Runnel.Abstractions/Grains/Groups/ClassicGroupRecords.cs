namespace Runnel.Grains;

// The classic-protocol records carry opaque byte arrays (members' metadata and assignments) and are [Immutable]:
// Orleans passes them without a deep copy, so whoever builds one hands its arrays over and never changes them after.

/// <summary>The outcome of a classic-protocol call (Kafka's JoinGroup, SyncGroup, Heartbeat, LeaveGroup): expected
/// answers, not failures, so they come back as values.</summary>
[GenerateSerializer, Alias("runnel.ClassicGroupError")]
public enum ClassicGroupError
{
    /// <summary>Done.</summary>
    None = 0,

    /// <summary>Still waiting for the other members (join) or the leader's assignment (sync): ask again with the
    /// member id the answer carries.</summary>
    Pending = 1,

    /// <summary>The member is not (or no longer) in the group: join again with no member id.</summary>
    UnknownMember = 2,

    /// <summary>The member's generation is not the group's: join again.</summary>
    IllegalGeneration = 3,

    /// <summary>A rebalance started: join again (keeping the member id).</summary>
    RebalanceInProgress = 4,

    /// <summary>The member's protocol type or protocols share nothing with the group's.</summary>
    InconsistentProtocol = 5,

    /// <summary>The group assigns on the server (it has Runnel or KIP-848 members), or the member is one of its
    /// server-assigned members: the caller joins, syncs, heartbeats and leaves it through
    /// <see cref="IConsumerGroupGrain.HeartbeatAsync"/> and <see cref="IConsumerGroupGrain.LeaveAsync"/> instead, as
    /// Kafka 4 runs classic members of a consumer group.</summary>
    ServerAssigned = 6,
}

/// <summary>One protocol (assignor) a joining member supports, with its opaque metadata (for a Kafka consumer: its
/// subscription).</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicProtocol")]
public sealed record ClassicProtocol(
    [property: Id(0)] string Name,
    [property: Id(1)] byte[] Metadata);

/// <summary>A classic-protocol join: <see cref="MemberId"/> empty for a new member (the grain assigns one).</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicJoinRequest")]
public sealed record ClassicJoinRequest(
    [property: Id(0)] string MemberId,
    [property: Id(1)] string? InstanceId,
    [property: Id(2)] string ClientId,
    [property: Id(3)] string ClientHost,
    [property: Id(4)] string ProtocolType,
    [property: Id(5)] IReadOnlyList<ClassicProtocol> Protocols,
    [property: Id(6)] TimeSpan SessionTimeout,
    [property: Id(7)] TimeSpan RebalanceTimeout);

/// <summary>A member's metadata as the leader sees it in its join answer.</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicMemberMetadata")]
public sealed record ClassicMemberMetadata(
    [property: Id(0)] string MemberId,
    [property: Id(1)] string? InstanceId,
    [property: Id(2)] byte[] Metadata);

/// <summary>The answer to a join: the generation, the chosen protocol, the leader, and (for the leader only) every
/// member's metadata. With <see cref="ClassicGroupError.Pending"/> only <see cref="MemberId"/> is set.</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicJoinResponse")]
public sealed record ClassicJoinResponse(
    [property: Id(0)] ClassicGroupError Error,
    [property: Id(1)] string MemberId,
    [property: Id(2)] int GenerationId,
    [property: Id(3)] string ProtocolName,
    [property: Id(4)] string LeaderId,
    [property: Id(5)] IReadOnlyList<ClassicMemberMetadata> Members);

/// <summary>One member's assignment, opaque to the grain (for a Kafka consumer: its partitions).</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicAssignment")]
public sealed record ClassicAssignment(
    [property: Id(0)] string MemberId,
    [property: Id(1)] byte[] Assignment);

/// <summary>The answer to a sync: the member's assignment.</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicSyncResponse")]
public sealed record ClassicSyncResponse(
    [property: Id(0)] ClassicGroupError Error,
    [property: Id(1)] byte[] Assignment);

/// <summary>A member as a Kafka DescribeGroups shows it (metadata and assignment empty for Runnel members).</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicMemberDescription")]
public sealed record ClassicMemberDescription(
    [property: Id(0)] string MemberId,
    [property: Id(1)] string? InstanceId,
    [property: Id(2)] string ClientId,
    [property: Id(3)] string ClientHost,
    [property: Id(4)] byte[] Metadata,
    [property: Id(5)] byte[] Assignment);

/// <summary>A group in Kafka's terms: <see cref="State"/> is one of Kafka's names (Empty, PreparingRebalance,
/// CompletingRebalance, Stable, Dead for a group that does not exist); <see cref="GroupType"/> is "classic" while
/// classic-protocol members are in it, else "consumer" (Runnel's server-side assignment, Kafka's KIP-848 model).</summary>
[GenerateSerializer, Immutable, Alias("runnel.ClassicGroupDescription")]
public sealed record ClassicGroupDescription(
    [property: Id(0)] string State,
    [property: Id(1)] string GroupType,
    [property: Id(2)] string ProtocolType,
    [property: Id(3)] string ProtocolName,
    [property: Id(4)] int GenerationId,
    [property: Id(5)] IReadOnlyList<ClassicMemberDescription> Members);
