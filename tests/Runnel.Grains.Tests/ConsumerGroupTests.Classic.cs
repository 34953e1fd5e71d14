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
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Member("g", "runnel").HeartbeatAsync());

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
