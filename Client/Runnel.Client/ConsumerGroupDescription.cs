using Runnel.Grains;

namespace Runnel.Client;

/// <summary>A consumer group as <see cref="Admin.DescribeGroupAsync"/> sees it: state, members, and per partition the
/// committed offset, log end and lag.</summary>
/// <param name="Partitions">Every partition the group committed or a member owns, ordered by topic and partition.</param>
/// <param name="TotalLag">The sum of the partitions' known lags.</param>
public sealed record ConsumerGroupDescription(
    string GroupId,
    GroupState State,
    int GroupEpoch,
    GroupAssignor Assignor,
    IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<GroupPartitionLag> Partitions,
    long TotalLag);
