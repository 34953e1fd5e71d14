namespace Runnel.Client;

/// <summary>A consumer group as <see cref="IAdminClient.DescribeGroupAsync"/> sees it: state, members, and per partition
/// the committed offset, log end and lag.</summary>
/// <param name="Assignor">How the group spreads partitions (chosen by its first member).</param>
/// <param name="Partitions">Every partition the group committed or a member owns, ordered by topic and partition.</param>
/// <param name="TotalLag">The sum of the partitions' known lags.</param>
public sealed record ConsumerGroupDescription(
    string GroupId,
    ConsumerGroupState State,
    int GroupEpoch,
    PartitionAssignmentStrategy Assignor,
    IReadOnlyList<MemberDescription> Members,
    IReadOnlyList<GroupPartitionLag> Partitions,
    long TotalLag);
