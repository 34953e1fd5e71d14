using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

/// <summary>The fake group grain over <see cref="FakeBroker.Groups"/> (see <see cref="FakeGroup"/>).</summary>
public sealed class FakeConsumerGroupGrain(FakeBroker broker) : Grain, IConsumerGroupGrain
{
    private FakeGroup Group => broker.Group(this.GetPrimaryKeyString());

    public async ValueTask<GroupHeartbeatResponse> HeartbeatAsync(GroupHeartbeatRequest request, CancellationToken cancellationToken = default)
    {
        var group = Group;
        var gate = group.HeartbeatGate.Task;
        if (!gate.IsCompleted)
        {
            group.HeartbeatArrived.TrySetResult();
            await gate; // a server handles a request it read even when its caller gives up on the answer
        }

        lock (group.Gate)
        {
            return group.Heartbeat(request, PartitionCount, DateTimeOffset.UtcNow);
        }
    }

    public ValueTask LeaveAsync(string memberId, int memberEpoch, bool temporary, CancellationToken cancellationToken = default)
    {
        var group = Group;
        lock (group.Gate)
        {
            group.Leave(memberId, temporary, DateTimeOffset.UtcNow);
        }

        return default;
    }

    public ValueTask CommitOffsetsAsync(OffsetCommitRequest request, CancellationToken cancellationToken = default)
    {
        var group = Group;
        lock (group.Gate)
        {
            group.Commit(request, DateTimeOffset.UtcNow);
        }

        return default;
    }

    public ValueTask<IReadOnlyList<CommittedOffset>> FetchOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default)
    {
        var group = Group;
        lock (group.Gate)
        {
            IReadOnlyList<CommittedOffset> offsets = [.. group.Offsets.Where(o => partitions is null || partitions.Contains(o.Key)).Select(o => o.Value)];
            return ValueTask.FromResult(offsets);
        }
    }

    public ValueTask<IReadOnlyList<CommittedOffset>> FetchStableOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default) =>
        FetchOffsetsAsync(partitions, cancellationToken);

    public ValueTask CommitTransactionalOffsetsAsync(TransactionalOffsetCommitRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The fake group has no transactions.");

    public ValueTask CompleteTransactionAsync(long producerId, short producerEpoch, bool commit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The fake group has no transactions.");

    public ValueTask<GroupDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        var group = Group;
        lock (group.Gate)
        {
            group.Expire(DateTimeOffset.UtcNow);
            if (!group.Exists)
            {
                throw new RunnelException(RunnelErrorCode.UnknownGroup, $"Group {group.Id} does not exist.");
            }

            return ValueTask.FromResult(new GroupDescription(group.Id, group.State, group.GroupEpoch, group.Assignor,
                [.. group.Members.Values.Select(m => new GroupMemberDescription(m.Id, m.InstanceId, m.ClientId, m.Epoch, [.. m.Target],
                    [.. m.Owned.Where(p => !m.Target.Contains(p))]))],
                [.. group.Offsets.Values.OrderBy(o => o.Topic, StringComparer.Ordinal).ThenBy(o => o.Partition)]));
        }
    }

    public ValueTask ResetOffsetsAsync(IReadOnlyList<CommittedOffset> offsets, CancellationToken cancellationToken = default)
    {
        var group = Group;
        lock (group.Gate)
        {
            group.Expire(DateTimeOffset.UtcNow);
            if (group.Members.Count > 0)
            {
                throw new RunnelException(RunnelErrorCode.GroupNotEmpty, $"Group {group.Id} has {group.Members.Count} active members: stop them before resetting offsets.");
            }

            group.Exists = true;
            foreach (var o in offsets)
            {
                group.Offsets[new GroupPartition(o.Topic, o.Partition)] = o;
            }
        }

        return default;
    }

    public ValueTask DeleteAsync(CancellationToken cancellationToken = default)
    {
        var group = Group;
        lock (group.Gate)
        {
            group.Expire(DateTimeOffset.UtcNow);
            if (!group.Exists)
            {
                throw new RunnelException(RunnelErrorCode.UnknownGroup, $"Group {group.Id} does not exist.");
            }

            if (group.Members.Count > 0)
            {
                throw new RunnelException(RunnelErrorCode.GroupNotEmpty, $"Group {group.Id} has {group.Members.Count} active members.");
            }

            broker.Groups.TryRemove(group.Id, out _);
        }

        return default;
    }

    // The Runnel client never speaks Kafka's classic protocol: these are for the Kafka listener only.
    public ValueTask<ClassicJoinResponse> JoinClassicAsync(ClassicJoinRequest request, CancellationToken cancellationToken = default) => throw ClassicUnused();

    public ValueTask<ClassicJoinResponse> AwaitClassicJoinAsync(string memberId, TimeSpan maxWait, CancellationToken cancellationToken = default) => throw ClassicUnused();

    public ValueTask<ClassicSyncResponse> SyncClassicAsync(string memberId, int generationId, IReadOnlyList<ClassicAssignment> assignments, CancellationToken cancellationToken = default) =>
        throw ClassicUnused();

    public ValueTask<ClassicSyncResponse> AwaitClassicSyncAsync(string memberId, int generationId, TimeSpan maxWait, CancellationToken cancellationToken = default) =>
        throw ClassicUnused();

    public ValueTask<ClassicGroupError> HeartbeatClassicAsync(string memberId, int generationId, CancellationToken cancellationToken = default) => throw ClassicUnused();

    public ValueTask<ClassicGroupError> LeaveClassicAsync(string memberId, CancellationToken cancellationToken = default) => throw ClassicUnused();

    public ValueTask<ClassicGroupDescription> DescribeClassicAsync(CancellationToken cancellationToken = default) => throw ClassicUnused();

    private static NotSupportedException ClassicUnused() => new("The fake group grain does not implement Kafka's classic protocol (the Runnel client never calls it).");

    private int PartitionCount(string topic) => broker.Topics.TryGetValue(topic, out var t) ? t.Partitions : 0;
}
