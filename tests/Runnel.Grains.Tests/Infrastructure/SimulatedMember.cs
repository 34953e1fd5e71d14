namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// A well-behaved group member as a heartbeat loop the test drives by hand: it sends what it owns and, on each answer,
/// owns exactly the assignment it was given (dropping what is not in it, taking up what is new).
/// </summary>
public sealed class SimulatedMember(IConsumerGroupGrain group, string name, string? instanceId = null)
{
    public string Name { get; } = name;

    public IConsumerGroupGrain Group { get; } = group;

    public string? InstanceId { get; } = instanceId;

    public string MemberId { get; set; } = "";

    public int Epoch { get; set; }

    public HashSet<GroupPartition> Owned { get; } = [];

    public IReadOnlyList<string> Topics { get; set; } = ["t"];

    public string? Pattern { get; set; }

    public GroupAssignor Assignor { get; set; } = GroupAssignor.Uniform;

    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan SinceLastPoll { get; set; }

    public GroupHeartbeatResponse? Last { get; private set; }

    public GroupHeartbeatRequest Request() =>
        new(MemberId, Epoch, InstanceId, Name, Topics, Pattern, Assignor, SessionTimeout, MaxPollInterval, SinceLastPoll, [.. Owned]);

    public async Task<GroupHeartbeatResponse> HeartbeatAsync()
    {
        var response = await Group.HeartbeatAsync(Request());
        MemberId = response.MemberId;
        Epoch = response.MemberEpoch;
        Owned.Clear();
        Owned.UnionWith(response.Assignment);
        Last = response;
        return response;
    }

    /// <summary>Commits <paramref name="offset"/> for every partition it owns.</summary>
    public Task CommitOwnedAsync(long offset) =>
        Group.CommitOffsetsAsync(new OffsetCommitRequest(MemberId, Epoch, [.. Owned.Select(p => new CommittedOffset(p.Topic, p.Partition, offset, null))])).AsTask();

    /// <summary>Starts over as a new process would: no id, no epoch, nothing owned.</summary>
    public void Restart()
    {
        MemberId = "";
        Epoch = 0;
        Owned.Clear();
    }
}
