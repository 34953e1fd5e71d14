using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <summary>Maps the grain contract's records to the client's own public types (and back), so the public API never
/// shows a contract type: the contract can change with the runtime underneath without breaking callers.</summary>
internal static class ContractMapping
{
    public static TopicDescription ToClient(this Grains.TopicDescription d) => new(d.Name, d.PartitionCount, d.Config, d.CreatedAt);

    public static WatermarkOffsets ToClient(this PartitionOffsets o) => new(o.LogStartOffset, o.HighWatermark, o.LastStableOffset);

    public static TransactionDescription ToClient(this Grains.TransactionDescription d) => new(
        d.TransactionalId,
        d.ProducerId,
        d.ProducerEpoch,
        d.Status switch
        {
            TransactionStatus.Empty => TransactionState.Empty,
            TransactionStatus.Ongoing => TransactionState.Ongoing,
            TransactionStatus.PrepareCommit => TransactionState.PrepareCommit,
            TransactionStatus.PrepareAbort => TransactionState.PrepareAbort,
            TransactionStatus.CompleteCommit => TransactionState.CompleteCommit,
            TransactionStatus.CompleteAbort => TransactionState.CompleteAbort,
            _ => throw new RunnelException(RunnelErrorCode.Unknown, $"Unknown transaction status {(int)d.Status} from the server."),
        },
        d.Timeout,
        d.StartedAt,
        [.. d.Partitions.Select(p => new TopicPartition(p.Topic, p.Partition))],
        d.Groups);

    public static ConsumerGroupState ToClient(this GroupState state) => state switch
    {
        GroupState.Empty => ConsumerGroupState.Empty,
        GroupState.Stable => ConsumerGroupState.Stable,
        GroupState.Reconciling => ConsumerGroupState.Reconciling,
        _ => throw new RunnelException(RunnelErrorCode.Unknown, $"Unknown group state {(int)state} from the server."),
    };

    public static PartitionAssignmentStrategy ToClient(this GroupAssignor assignor) => assignor switch
    {
        GroupAssignor.Uniform => PartitionAssignmentStrategy.Uniform,
        GroupAssignor.Range => PartitionAssignmentStrategy.Range,
        GroupAssignor.RoundRobin => PartitionAssignmentStrategy.RoundRobin,
        _ => throw new RunnelException(RunnelErrorCode.Unknown, $"Unknown group assignor {(int)assignor} from the server."),
    };

    public static GroupAssignor ToContract(this PartitionAssignmentStrategy strategy) => strategy switch
    {
        PartitionAssignmentStrategy.Uniform => GroupAssignor.Uniform,
        PartitionAssignmentStrategy.Range => GroupAssignor.Range,
        PartitionAssignmentStrategy.RoundRobin => GroupAssignor.RoundRobin,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not an assignment strategy."),
    };

    public static MemberDescription ToClient(this GroupMemberDescription m) => new(
        m.MemberId, m.InstanceId, m.ClientId, m.MemberEpoch,
        [.. m.Assigned.Select(p => new TopicPartition(p.Topic, p.Partition))],
        [.. m.PendingRevocation.Select(p => new TopicPartition(p.Topic, p.Partition))]);
}
