namespace Runnel.Client.Internal;

/// <summary>What the group membership asks of the consuming loop, in order.</summary>
internal enum GroupEventKind
{
    /// <summary>The member now owns these partitions; <see cref="GroupEvent.Committed"/> holds their committed offsets.</summary>
    Assigned,

    /// <summary>Stop these partitions, commit them, and release them (<see cref="GroupMembership.Released"/>).</summary>
    Revoke,

    /// <summary>These partitions are no longer the member's (fenced, session lost): drop them without committing.</summary>
    Lost,

    /// <summary>The group refused the member for good (a bad subscription, an invalid group): raise <see cref="GroupEvent.Error"/>.</summary>
    Failed,
}

/// <summary>One change of the member's partitions, posted by the heartbeat loop and handled at the next poll.</summary>
internal sealed record GroupEvent(
    GroupEventKind Kind,
    IReadOnlyList<TopicPartition> Partitions,
    IReadOnlyDictionary<TopicPartition, long>? Committed = null,
    RunnelException? Error = null);
