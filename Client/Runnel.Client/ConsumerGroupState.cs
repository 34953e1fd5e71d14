namespace Runnel.Client;

/// <summary>A consumer group's state, as <see cref="IAdminClient.DescribeGroupAsync"/> reports it.</summary>
public enum ConsumerGroupState
{
    /// <summary>No members (offsets may be committed).</summary>
    Empty = 0,

    /// <summary>Every member owns exactly its target assignment.</summary>
    Stable = 1,

    /// <summary>A rebalance is in progress: some partitions are waiting to be released or taken up.</summary>
    Reconciling = 2,
}
