namespace Runnel.Grains.Internal;

/// <summary>
/// One member as the group grain keeps it (and logs it, whole, on every change). <see cref="Assigned"/> are the
/// partitions it may own now; <see cref="PendingRevocation"/> those it was told to give up but still reported owning.
/// A partition is in at most one member's <c>Assigned ∪ PendingRevocation</c> at a time: that is what keeps two members
/// from owning it at once. <see cref="Left"/> marks a static member that left temporarily: its assignment stays
/// reserved until it rejoins or its session times out. <see cref="RackId"/> came later than the rest: a member logged
/// before it reads back without one.
/// </summary>
internal sealed record GroupMember(
    string MemberId,
    string? InstanceId,
    string ClientId,
    int MemberEpoch,
    int PreviousEpoch,
    IReadOnlyList<string> SubscribedTopics,
    string? SubscribedPattern,
    GroupAssignor Assignor,
    TimeSpan SessionTimeout,
    TimeSpan MaxPollInterval,
    IReadOnlyList<GroupPartition> Assigned,
    IReadOnlyList<GroupPartition> PendingRevocation,
    bool Left)
{
    /// <summary>The rack the member named, if any (descriptive only: assignment does not look at it).</summary>
    public string? RackId { get; init; }

    /// <summary>True when <paramref name="other"/> subscribes to the same topics and pattern with the same assignor
    /// (what the target assignment depends on).</summary>
    public bool SameSubscription(GroupMember other) =>
        SubscribedTopics.SequenceEqual(other.SubscribedTopics, StringComparer.Ordinal)
        && string.Equals(SubscribedPattern, other.SubscribedPattern, StringComparison.Ordinal)
        && Assignor == other.Assignor;

    /// <summary>True when the member may own <paramref name="partition"/> right now (assigned or still revoking).</summary>
    public bool Holds(GroupPartition partition) => Assigned.Contains(partition) || PendingRevocation.Contains(partition);
}
