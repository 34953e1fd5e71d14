using Runnel.Grains;

namespace Runnel.Client.Tests.Fakes;

/// <summary>
/// A consumer group as the fake group grain keeps it, in memory: the contract's semantics in their simplest form.
/// Sticky even assignment; a partition is handed to its new owner only once no other member reports owning it; sessions
/// expire lazily (checked at every call); static members keep their assignment across a temporary leave. All access
/// under <see cref="Gate"/>.
/// </summary>
public sealed class FakeGroup(string id)
{
    private int _nextMember;

    public string Id { get; } = id;

    public Lock Gate { get; } = new();

    public int GroupEpoch { get; private set; }

    public GroupAssignor Assignor { get; private set; }

    public Dictionary<string, FakeMember> Members { get; } = new(StringComparer.Ordinal);

    public Dictionary<GroupPartition, CommittedOffset> Offsets { get; } = [];

    /// <summary>When set, heartbeats of this member id fail with <see cref="RunnelErrorCode.FencedMember"/> once.</summary>
    public string? FenceNext { get; set; }

    public bool Exists { get; set; }

    /// <summary>While not completed, heartbeats wait (inside the grain, whatever the caller's cancellation) before they
    /// are handled; <see cref="HeartbeatArrived"/> completes when one is waiting.</summary>
    public TaskCompletionSource HeartbeatGate { get; set; } = CompletedGate();

    public TaskCompletionSource HeartbeatArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.TrySetResult();
        return gate;
    }

    public GroupHeartbeatResponse Heartbeat(GroupHeartbeatRequest request, Func<string, int> partitionCount, DateTimeOffset now)
    {
        Expire(now);
        Exists = true;
        FakeMember member;
        if (request.MemberEpoch == 0)
        {
            var existing = request.InstanceId is null ? null : Members.Values.FirstOrDefault(m => m.InstanceId == request.InstanceId);
            if (existing is not null)
            {
                Members.Remove(existing.Id);
                member = existing with { Id = $"m{++_nextMember}", Epoch = existing.Epoch + 1, Departed = false };
            }
            else
            {
                member = new FakeMember($"m{++_nextMember}", request.InstanceId, request.ClientId) { Epoch = 1 };
                GroupEpoch++;
            }

            if (Members.Count == 0)
            {
                Assignor = request.Assignor;
            }

            Members[member.Id] = member;
        }
        else
        {
            member = Members.GetValueOrDefault(request.MemberId)
                ?? throw new RunnelException(RunnelErrorCode.UnknownMember, $"Member {request.MemberId} is not in group {Id}.");
            if (FenceNext == member.Id || request.MemberEpoch != member.Epoch)
            {
                FenceNext = null;
                Members.Remove(member.Id);
                GroupEpoch++;
                throw new RunnelException(RunnelErrorCode.FencedMember, $"Member {member.Id} of group {Id} sent epoch {request.MemberEpoch}; it is fenced.");
            }

            if (request.SinceLastPoll > request.MaxPollInterval)
            {
                Members.Remove(member.Id);
                GroupEpoch++;
                throw new RunnelException(RunnelErrorCode.MaxPollIntervalExceeded, $"Member {member.Id} of group {Id} did not poll for {request.SinceLastPoll}.");
            }
        }

        member.LastHeartbeat = now;
        member.SessionTimeout = request.SessionTimeout;
        member.Owned = [.. request.OwnedPartitions];
        var topics = request.SubscribedTopics.ToList();
        if (!member.Topics.SequenceEqual(topics))
        {
            member.Topics = topics;
            GroupEpoch++;
        }

        Rebalance(partitionCount);
        // held by another member: reported owned, or answered to it and not yet confirmed either way
        var ownedByOthers = Members.Values.Where(m => m != member).SelectMany(m => m.Owned.Concat(m.LastAssignment)).ToHashSet();
        var assignment = member.Target.Where(p => member.Owned.Contains(p) || !ownedByOthers.Contains(p)).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
        if (!assignment.SequenceEqual(member.LastAssignment))
        {
            member.Epoch++;
            member.LastAssignment = assignment;
        }

        return new GroupHeartbeatResponse(member.Id, member.Epoch, GroupEpoch, TimeSpan.FromMilliseconds(Math.Max(50, request.SessionTimeout.TotalMilliseconds / 5)), assignment);
    }

    public void Leave(string memberId, bool temporary, DateTimeOffset now)
    {
        if (!Members.TryGetValue(memberId, out var member))
        {
            return;
        }

        if (temporary && member.InstanceId is not null)
        {
            member.Departed = true; // keeps its target; its session still runs out
            return;
        }

        Members.Remove(memberId);
        GroupEpoch++;
    }

    public void Commit(OffsetCommitRequest request, DateTimeOffset now)
    {
        Expire(now);
        Exists = true;
        if (request.MemberId.Length == 0)
        {
            if (Members.Count > 0)
            {
                throw new RunnelException(RunnelErrorCode.GroupNotEmpty, $"Group {Id} has members: a standalone commit is refused.");
            }
        }
        else
        {
            var member = Members.GetValueOrDefault(request.MemberId)
                ?? throw new RunnelException(RunnelErrorCode.UnknownMember, $"Member {request.MemberId} is not in group {Id}.");
            if (request.MemberEpoch != member.Epoch)
            {
                throw new RunnelException(RunnelErrorCode.FencedMember, $"Member {member.Id} committed at epoch {request.MemberEpoch}, not {member.Epoch}.");
            }

            foreach (var o in request.Offsets)
            {
                var p = new GroupPartition(o.Topic, o.Partition);
                if (!member.Owned.Contains(p) && !member.LastAssignment.Contains(p))
                {
                    throw new RunnelException(RunnelErrorCode.OffsetCommitRejected, $"Member {member.Id} does not own {p}.");
                }
            }
        }

        foreach (var o in request.Offsets)
        {
            var p = new GroupPartition(o.Topic, o.Partition);
            if (Offsets.TryGetValue(p, out var old) && old.Offset > o.Offset)
            {
                throw new RunnelException(RunnelErrorCode.OffsetCommitRejected, $"{p}: offset {o.Offset} is behind the committed {old.Offset}.");
            }
        }

        foreach (var o in request.Offsets)
        {
            Offsets[new GroupPartition(o.Topic, o.Partition)] = o;
        }
    }

    public void Expire(DateTimeOffset now)
    {
        foreach (var m in Members.Values.Where(m => now - m.LastHeartbeat > m.SessionTimeout).ToList())
        {
            Members.Remove(m.Id);
            GroupEpoch++;
        }
    }

    public GroupState State => Members.Count == 0 ? GroupState.Empty
        : Members.Values.All(m => m.Owned.ToHashSet().SetEquals(m.Target)) ? GroupState.Stable : GroupState.Reconciling;

    /// <summary>Sticky even assignment: members keep what they have up to their quota; the rest goes to the emptiest.</summary>
    private void Rebalance(Func<string, int> partitionCount)
    {
        var members = Members.Values.OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        foreach (var m in members)
        {
            m.Target = [.. m.Target.Where(p => m.Topics.Contains(p.Topic))];
        }

        foreach (var topic in members.SelectMany(m => m.Topics).Distinct().ToList())
        {
            var subscribers = members.Where(m => m.Topics.Contains(topic)).ToList();
            var all = Enumerable.Range(0, partitionCount(topic)).Select(p => new GroupPartition(topic, p)).ToList();
            var floor = all.Count / subscribers.Count;
            var extra = all.Count % subscribers.Count;
            var taken = new HashSet<GroupPartition>();
            foreach (var m in subscribers)
            {
                var mine = m.Target.Where(p => p.Topic == topic && p.Partition < all.Count && taken.Add(p)).ToList();
                var allowed = floor;
                if (mine.Count > floor && extra > 0)
                {
                    allowed++;
                    extra--;
                }

                foreach (var p in mine.Skip(allowed))
                {
                    taken.Remove(p);
                }

                var keep = mine.Take(allowed).ToHashSet();
                m.Target.RemoveAll(p => p.Topic == topic && !keep.Contains(p));
            }

            foreach (var p in all.Where(p => !taken.Contains(p)))
            {
                subscribers.OrderBy(m => m.Target.Count(q => q.Topic == topic)).ThenBy(m => m.Id, StringComparer.Ordinal).First().Target.Add(p);
            }
        }
    }
}
