namespace Runnel.Grains.Tests;

/// <summary>Kafka's classic protocol through the group grain: waits interleave with other calls, the leader's
/// assignment reaches the follower, classic members commit at their generation, and they count as members.</summary>
public abstract partial class ConsumerGroupTests
{
    private static ClassicJoinRequest ClassicJoin(string memberId) =>
        new(memberId, null, "rdkafka", "127.0.0.1", "consumer", [new ClassicProtocol("range", [7])], Session, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Classic_TwoMembers_LeaderAssignsFollowerWaitsCommitsAtGenerationAndTheyCountAsMembers()
    {
        await Cluster.Topic("t").CreateAsync(2, null);
        var group = Cluster.Group("g");
        var first = await group.JoinClassicAsync(ClassicJoin(""));
        first.Error.Should().Be(ClassicGroupError.None);
        first.GenerationId.Should().Be(1);
        (await group.SyncClassicAsync(first.MemberId, 1, [new ClassicAssignment(first.MemberId, [1])])).Assignment.Should().Equal(1);

        // The second join waits (in an interleaved call) while the first is told to rejoin: the wait blocks nothing.
        var second = await group.JoinClassicAsync(ClassicJoin(""));
        second.Error.Should().Be(ClassicGroupError.Pending);
        var waiting = group.AwaitClassicJoinAsync(second.MemberId, TimeSpan.FromSeconds(30)).AsTask();
        (await group.HeartbeatClassicAsync(first.MemberId, 1)).Should().Be(ClassicGroupError.RebalanceInProgress);
        var rejoined = await group.JoinClassicAsync(ClassicJoin(first.MemberId));
        var follower = await waiting;
        rejoined.GenerationId.Should().Be(2);
        follower.GenerationId.Should().Be(2);
        rejoined.Members.Should().HaveCount(2);

        (await group.SyncClassicAsync(follower.MemberId, 2, [])).Error.Should().Be(ClassicGroupError.Pending);
        var assignment = group.AwaitClassicSyncAsync(follower.MemberId, 2, TimeSpan.FromSeconds(30)).AsTask();
        await group.SyncClassicAsync(rejoined.MemberId, 2, [new ClassicAssignment(rejoined.MemberId, [1]), new ClassicAssignment(follower.MemberId, [2])]);
        (await assignment).Assignment.Should().Equal(2);

        await group.CommitOffsetsAsync(new OffsetCommitRequest(follower.MemberId, 2, [new CommittedOffset("t", 1, 42, "m")]));
        (await group.FetchOffsetsAsync(null)).Should().Equal(new CommittedOffset("t", 1, 42, "m"));
        await FailsWith(RunnelErrorCode.FencedMember, () => group.CommitOffsetsAsync(new OffsetCommitRequest(follower.MemberId, 1, [new CommittedOffset("t", 1, 43, null)])).AsTask());
        await FailsWith(RunnelErrorCode.GroupNotEmpty, () => group.CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 1, null)])).AsTask());
        await FailsWith(RunnelErrorCode.GroupNotEmpty, () => group.DeleteAsync().AsTask());

        var described = await group.DescribeClassicAsync();
        described.State.Should().Be("Stable");
        described.GroupType.Should().Be("classic");
        described.Members.Select(m => m.Assignment.Single()).Should().BeEquivalentTo(new byte[] { 1, 2 });

        (await group.LeaveClassicAsync(follower.MemberId)).Should().Be(ClassicGroupError.None);
        (await group.LeaveClassicAsync(rejoined.MemberId)).Should().Be(ClassicGroupError.None);
        (await group.DescribeClassicAsync()).State.Should().Be("Empty");
        (await group.FetchOffsetsAsync(null)).Should().ContainSingle().Which.Offset.Should().Be(42, "commits are in the group's log, not the classic membership");
    }

    [Fact]
    public async Task Classic_RoundEndsBeforeTheWaitCall_WaitStillGetsTheAnswer()
    {
        var group = Cluster.Group("g");
        var first = await group.JoinClassicAsync(ClassicJoin(""));
        await group.SyncClassicAsync(first.MemberId, 1, []);
        var second = await group.JoinClassicAsync(ClassicJoin(""));
        second.Error.Should().Be(ClassicGroupError.Pending);
        await group.JoinClassicAsync(ClassicJoin(first.MemberId)); // the round ends before the second member waits

        var answer = await group.AwaitClassicJoinAsync(second.MemberId, TimeSpan.FromSeconds(30));

        answer.Error.Should().Be(ClassicGroupError.None);
        answer.GenerationId.Should().Be(2);
    }

    [Fact]
    public async Task Classic_RunnelMemberJoinsClassicGroup_ClassicMembersRejoinServerAssigned_NoPartitionHasTwoOwners()
    {
        await Cluster.Topic("t").CreateAsync(2, null);
        var group = Cluster.Group("g");
        var first = await group.JoinClassicAsync(ClassicJoin(""));
        await group.SyncClassicAsync(first.MemberId, 1, [new ClassicAssignment(first.MemberId, [1])]);
        var second = await group.JoinClassicAsync(ClassicJoin(""));
        second.Error.Should().Be(ClassicGroupError.Pending, "the first member must rejoin for the round to end");

        // A Runnel member joins the leader-assigned group: it is admitted, but takes nothing while classic members
        // (who may hold any partition their leader gave them) remain.
        var runnel = Member("g", "runnel");
        (await runnel.HeartbeatAsync()).Assignment.Should().BeEmpty();
        (await group.AwaitClassicJoinAsync(second.MemberId, TimeSpan.FromSeconds(30))).Error.Should().Be(ClassicGroupError.ServerAssigned, "a waiting join rejoins under the grain's assignment");
        (await group.HeartbeatClassicAsync(first.MemberId, 1)).Should().Be(ClassicGroupError.RebalanceInProgress);
        (await group.SyncClassicAsync(first.MemberId, 1, [])).Error.Should().Be(ClassicGroupError.RebalanceInProgress);
        await group.CommitOffsetsAsync(new OffsetCommitRequest(first.MemberId, 1, [new CommittedOffset("t", 0, 5, null)]));
        (await runnel.HeartbeatAsync()).Assignment.Should().BeEmpty("the first classic member has not rejoined");

        // The first member rejoins: it is released to the grain's protocol (the Kafka listener then joins it there,
        // reporting what it still owns), and the group assigns everyone.
        (await group.JoinClassicAsync(ClassicJoin(first.MemberId))).Error.Should().Be(ClassicGroupError.ServerAssigned);
        var converted = Member("g", "converted");
        converted.MemberId = first.MemberId;
        await converted.HeartbeatAsync();
        await runnel.HeartbeatAsync();
        await converted.HeartbeatAsync();
        await runnel.HeartbeatAsync();
        runnel.Owned.Concat(converted.Owned).Should().BeEquivalentTo(new[] { new GroupPartition("t", 0), new GroupPartition("t", 1) });
        runnel.Owned.Should().ContainSingle();
        (await group.HeartbeatClassicAsync(first.MemberId, converted.Epoch)).Should().Be(ClassicGroupError.ServerAssigned);
        (await group.DescribeClassicAsync()).GroupType.Should().Be("consumer");
        (await group.FetchOffsetsAsync(null)).Should().Equal(new CommittedOffset("t", 0, 5, null));
    }

    [Fact]
    public async Task Classic_ConvertingGroup_MemberThatNeverRejoins_RemovedAtItsRebalanceTimeout()
    {
        await Cluster.Topic("t").CreateAsync(2, null);
        var group = Cluster.Group("g");
        var stuck = await group.JoinClassicAsync(ClassicJoin("") with { SessionTimeout = TimeSpan.FromMinutes(10) });
        await group.SyncClassicAsync(stuck.MemberId, 1, [new ClassicAssignment(stuck.MemberId, [1])]);
        var runnel = Member("g", "runnel");
        (await runnel.HeartbeatAsync()).Assignment.Should().BeEmpty();

        // It keeps heartbeating (told to rejoin each time) but never rejoins: at its rebalance timeout (30 s) it is out.
        for (var i = 0; i < 11; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(3));
            await group.HeartbeatClassicAsync(stuck.MemberId, 1);
            await runnel.HeartbeatAsync();
        }

        (await group.HeartbeatClassicAsync(stuck.MemberId, 1)).Should().Be(ClassicGroupError.UnknownMember);
        (await runnel.HeartbeatAsync()).Assignment.Should().HaveCount(2, "the converted group is the Runnel member's alone");
    }

    [Fact]
    public async Task Classic_GroupWithRunnelMembers_JoinAndTheirCallsAnsweredServerAssigned()
    {
        await Cluster.Topic("t").CreateAsync(2, null);
        var runnel = Member("g", "runnel");
        await runnel.HeartbeatAsync();
        var group = Cluster.Group("g");

        (await group.JoinClassicAsync(ClassicJoin(""))).Error.Should().Be(ClassicGroupError.ServerAssigned, "the caller runs the classic member through the grain's heartbeat");
        (await group.SyncClassicAsync(runnel.MemberId, runnel.Epoch, [])).Error.Should().Be(ClassicGroupError.ServerAssigned);
        (await group.HeartbeatClassicAsync(runnel.MemberId, runnel.Epoch)).Should().Be(ClassicGroupError.ServerAssigned);
        (await group.LeaveClassicAsync(runnel.MemberId)).Should().Be(ClassicGroupError.ServerAssigned);
        (await group.HeartbeatClassicAsync("stranger", 1)).Should().Be(ClassicGroupError.UnknownMember);
        (await group.DescribeClassicAsync()).GroupType.Should().Be("consumer");
        (await group.DescribeAsync()).Members.Should().ContainSingle("the Runnel member keeps the group");
    }
}
