namespace Runnel.Client;

/// <summary>A member of a consumer group, as <see cref="IAdminClient.DescribeGroupAsync"/> reports it.</summary>
/// <param name="InstanceId">A static member's <see cref="ConsumerOptions.InstanceId"/>; null for a dynamic member.</param>
/// <param name="MemberEpoch">The member's epoch: bumped each time its assignment changes.</param>
/// <param name="Assigned">The partitions the member owns.</param>
/// <param name="PendingRevocation">Partitions the member still owns but must release (a rebalance in progress).</param>
public sealed record MemberDescription(
    string MemberId,
    string? InstanceId,
    string ClientId,
    int MemberEpoch,
    IReadOnlyList<TopicPartition> Assigned,
    IReadOnlyList<TopicPartition> PendingRevocation);
