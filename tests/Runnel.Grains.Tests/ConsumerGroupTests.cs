using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>
/// The consumer group grain through an Orleans silo and client (<see cref="GrainsCluster"/>), on fake time (the grains'
/// clock is a <see cref="ManualTimeProvider"/>), against every store (subclasses name it). Each test gets a fresh store
/// and only fresh activations (the class's tests take turns on one silo, <see cref="GroupTestsCluster"/>). Members are
/// simulated heartbeat loops (<see cref="SimulatedMember"/>); <see cref="OwnershipHistory"/> checks after every answer
/// that no partition has two owners.
/// </summary>
public abstract partial class ConsumerGroupTests(GroupTestsCluster shared) : IAsyncLifetime
{
    protected static readonly TimeSpan Session = TimeSpan.FromSeconds(10);

    private bool _ownCluster;

    /// <summary>The grains' clock, shared by the class's tests (each moves it on from wherever the last one left it).</summary>
    protected ManualTimeProvider Time => shared.Clock;

    protected CountingObjectStore Store { get; private set; } = null!;

    protected GrainsCluster Cluster { get; private set; } = null!;

    protected OwnershipHistory History { get; } = new();

    /// <summary>A store with a fresh, empty namespace for this test.</summary>
    protected abstract IObjectStore CreateStore();

    public async Task InitializeAsync()
    {
        Store = new CountingObjectStore(CreateStore());
        Cluster = await shared.AttachAsync(Store);
    }

    public virtual async Task DisposeAsync()
    {
        if (_ownCluster)
        {
            await Cluster.DisposeAsync();
        }

        await shared.DetachAsync();
    }

    /// <summary>Leaves the shared silo (its grains deactivate) for one of this test's own with other options, on the same
    /// clock.</summary>
    protected async Task UseOwnClusterAsync(Action<RunnelGrainsOptions> configure)
    {
        await shared.DetachAsync();
        Cluster = await GrainsCluster.StartAsync(Store, configure, Time);
        _ownCluster = true;
    }

    protected SimulatedMember Member(string group, string name, string? instanceId = null) =>
        new(Cluster.Group(group), name, instanceId) { SessionTimeout = Session };

    /// <summary>Advances the clock by <paramref name="total"/> in steps shorter than a session, heartbeating the
    /// <paramref name="alive"/> members after each step.</summary>
    protected async Task PassTimeAsync(TimeSpan total, params SimulatedMember[] alive)
    {
        var step = Session / 3;
        for (var passed = TimeSpan.Zero; passed < total; passed += step)
        {
            Time.Advance(step);
            foreach (var member in alive)
            {
                await member.HeartbeatAsync();
                History.Record(alive);
            }
        }
    }

    protected static async Task<RunnelException> FailsWith(RunnelErrorCode code, Func<Task> call)
    {
        var thrown = await call.Should().ThrowAsync<RunnelException>();
        thrown.Which.Code.Should().Be(code, "the error was: {0}", thrown.Which.Message);
        return thrown.Which;
    }

    [Fact]
    public async Task Heartbeat_ThreeMembersThenAFourth_FourEachThenExactlyThreeMoveWithoutTwoOwners()
    {
        await Cluster.Topic("t").CreateAsync(12, null);
        var members = Enumerable.Range(1, 3).Select(i => Member("g", $"m{i}")).ToList();

        await History.RunUntilStableAsync(members);
        var before = OwnershipHistory.Owners(members);
        members.Add(Member("g", "m4"));
        await History.RunUntilStableAsync(members);
        var after = OwnershipHistory.Owners(members);

        before.Should().HaveCount(12);
        after.Should().HaveCount(12);
        members.Select(m => m.Owned.Count).Should().AllBeEquivalentTo(3);
        after.Count(kv => before[kv.Key] != kv.Value).Should().Be(3, "only the fourth member's share moves");
        History.Violations.Should().BeEmpty();
        History.Steps.Should().BeGreaterThan(8);
        var description = await Cluster.Group("g").DescribeAsync();
        description.State.Should().Be(GroupState.Stable);
        description.Members.Should().HaveCount(4).And.OnlyContain(m => m.Assigned.Count == 3 && m.PendingRevocation.Count == 0);
    }

    [Fact]
    public async Task Heartbeat_OmittedFields_KeepTheMembersSubscriptionAndOwnership_JoinMayOmitNothing()
    {
        await Cluster.Topic("t").CreateAsync(4, null);
        var a = Member("g", "a");
        await a.HeartbeatAsync();
        a.Owned.Should().HaveCount(4);
        var group = Cluster.Group("g");
        var everything = GroupHeartbeatOmissions.Subscription | GroupHeartbeatOmissions.OwnedPartitions | GroupHeartbeatOmissions.MaxPollInterval;

        // Empty topics and owned partitions, but both omitted: the member keeps its subscription and everything it holds.
        var kept = await group.HeartbeatAsync(a.Request() with { SubscribedTopics = [], OwnedPartitions = [], Omitted = everything });
        kept.Assignment.Should().BeEquivalentTo(a.Owned);
        kept.MemberEpoch.Should().Be(a.Epoch);
        (await group.DescribeAsync()).Members.Single().SubscribedTopics.Should().Equal("t");

        // A second member joins: with ownership omitted, a's revoked partitions stay pending (it did not say it let go).
        var b = Member("g", "b");
        await b.HeartbeatAsync();
        var revoking = await group.HeartbeatAsync(a.Request() with { OwnedPartitions = [], Omitted = GroupHeartbeatOmissions.OwnedPartitions });
        revoking.Assignment.Should().HaveCount(2);
        (await group.DescribeAsync()).Members.Single(m => m.MemberId == a.MemberId).PendingRevocation.Should().HaveCount(2);
        (await b.HeartbeatAsync()).Assignment.Should().BeEmpty("a has not released anything yet");

        var join = await FailsWith(RunnelErrorCode.InvalidArgument, () => group.HeartbeatAsync(Member("g", "c").Request() with { Omitted = GroupHeartbeatOmissions.Subscription }).AsTask());
        join.Message.Should().Contain("must carry every field");
    }

    [Fact]
    public async Task Leave_NegativeEpoch_LeavesAtWhateverEpochTheMemberIs()
    {
        await Cluster.Topic("t").CreateAsync(2, null);
        var a = Member("g", "a");
        var b = Member("g", "b");
        await History.RunUntilStableAsync([a, b]);

        await FailsWith(RunnelErrorCode.FencedMember, () => Cluster.Group("g").LeaveAsync(a.MemberId, a.Epoch + 7, temporary: false).AsTask());
        await Cluster.Group("g").LeaveAsync(a.MemberId, -1, temporary: false);

        (await Cluster.Group("g").DescribeAsync()).Members.Should().ContainSingle().Which.MemberId.Should().Be(b.MemberId);
        await History.RunUntilStableAsync([b]);
        b.Owned.Should().HaveCount(2, "the leaver's partitions went to the other member");
    }

    [Fact]
    public async Task Heartbeat_FourthJoins_RevokedPartitionsReachTheNewMemberOnlyAfterRelease()
    {
        await Cluster.Topic("t").CreateAsync(12, null);
        var members = Enumerable.Range(1, 3).Select(i => Member("g", $"m{i}")).ToList();
        await History.RunUntilStableAsync(members);
        var late = Member("g", "m4");
        members.Add(late);

        var joined = await late.HeartbeatAsync();
        var description = await Cluster.Group("g").DescribeAsync();

        joined.Assignment.Should().BeEmpty("every partition is still owned by its previous owner");
        description.State.Should().Be(GroupState.Reconciling);
        await History.RunUntilStableAsync(members);
        late.Owned.Should().HaveCount(3);
        History.Violations.Should().BeEmpty();
    }

    [Fact]
    public async Task Heartbeat_NothingChanges_WritesNothing()
    {
        await Cluster.Topic("t").CreateAsync(4, null);
        var members = Enumerable.Range(1, 2).Select(i => Member("g", $"m{i}")).ToList();
        await History.RunUntilStableAsync(members);
        var appends = Store.Appends;

        for (var i = 0; i < 5; i++)
        {
            await members[0].HeartbeatAsync();
            await members[1].HeartbeatAsync();
        }

        Store.Appends.Should().Be(appends);
    }

    [Fact]
    public async Task Heartbeat_MemberStopsHeartbeating_PartitionsReassignedAfterSessionTimeoutOffsetsKept()
    {
        await Cluster.Topic("t").CreateAsync(12, null);
        var members = Enumerable.Range(1, 3).Select(i => Member("g", $"m{i}")).ToList();
        await History.RunUntilStableAsync(members);
        var silent = members[2];
        await silent.CommitOwnedAsync(42);
        var silentPartitions = silent.Owned.ToList();

        await PassTimeAsync(Session / 2, members[0], members[1]);
        members[0].Owned.Count.Should().Be(4, "the silent member's session has not expired yet");
        await PassTimeAsync(Session, members[0], members[1]);
        await History.RunUntilStableAsync(members.Take(2).ToList());

        members[0].Owned.Union(members[1].Owned).Should().HaveCount(12);
        members[0].Owned.Should().HaveCount(6);
        History.Violations.Should().BeEmpty();
        var offsets = await Cluster.Group("g").FetchOffsetsAsync(silentPartitions);
        offsets.Should().HaveCount(4).And.OnlyContain(o => o.Offset == 42);
        await FailsWith(RunnelErrorCode.UnknownMember, silent.HeartbeatAsync);
    }

    [Fact]
    public async Task Heartbeat_StaticMemberRestartsWithinSessionTimeout_SamePartitionsNoRebalance()
    {
        await Cluster.Topic("t").CreateAsync(12, null);
        var members = new List<SimulatedMember> { Member("g", "s1", instanceId: "instance-1"), Member("g", "m2"), Member("g", "m3") };
        await History.RunUntilStableAsync(members);
        var staticMember = members[0];
        var oldId = staticMember.MemberId;
        var partitions = staticMember.Owned.ToHashSet();
        var epochs = members.Select(m => m.Epoch).ToList();
        var groupEpoch = members[1].Last!.GroupEpoch;

        // The process dies without leaving; a new one with the same instance id starts before the session times out.
        await PassTimeAsync(Session / 2, members[1], members[2]);
        staticMember.Restart();
        var rejoined = await staticMember.HeartbeatAsync();
        await History.RunUntilStableAsync(members);

        rejoined.MemberId.Should().NotBe(oldId);
        rejoined.Assignment.Should().BeEquivalentTo(partitions);
        rejoined.GroupEpoch.Should().Be(groupEpoch, "a static member's return is no rebalance");
        members.Select(m => m.Epoch).Should().Equal(epochs);
        members[1].Last!.GroupEpoch.Should().Be(groupEpoch);
        History.Violations.Should().BeEmpty();
        var zombie = new SimulatedMember(Cluster.Group("g"), "zombie", "instance-1") { MemberId = oldId, Epoch = epochs[0], SessionTimeout = Session };
        await FailsWith(RunnelErrorCode.FencedMember, zombie.HeartbeatAsync);
    }

    [Fact]
    public async Task Heartbeat_RequireReleasedInstance_LiveHolderRefusedUnreleased_AfterTemporaryLeaveTakesOverWithItsRack()
    {
        await Cluster.Topic("t").CreateAsync(4, null);
        var group = Cluster.Group("g");
        var first = Member("g", "s1", instanceId: "instance-1");
        var joined = await group.HeartbeatAsync(first.Request() with { RequireReleasedInstance = true, RackId = "rack-a" });
        (first.MemberId, first.Epoch) = (joined.MemberId, joined.MemberEpoch);
        first.Owned.UnionWith(joined.Assignment);
        first.Owned.Should().HaveCount(4);
        (await group.DescribeAsync()).Members.Single().RackId.Should().Be("rack-a");

        // A second process with the same instance id while the first is alive: refused, the first keeps everything.
        var second = Member("g", "s2", instanceId: "instance-1");
        var refused = await FailsWith(RunnelErrorCode.UnreleasedInstanceId, () => group.HeartbeatAsync(second.Request() with { RequireReleasedInstance = true }).AsTask());
        refused.Message.Should().Contain("instance-1").And.Contain(first.MemberId);
        (await first.HeartbeatAsync()).Assignment.Should().HaveCount(4);

        // Once the first left temporarily (static leave), the second takes its assignment over, without a rebalance.
        var groupEpoch = first.Last!.GroupEpoch;
        await group.LeaveAsync(first.MemberId, first.Epoch, temporary: true);
        var took = await group.HeartbeatAsync(second.Request() with { RequireReleasedInstance = true, RackId = "rack-b" });
        took.Assignment.Should().BeEquivalentTo(first.Owned);
        took.GroupEpoch.Should().Be(groupEpoch, "the instance's return is no rebalance");
        (await group.DescribeAsync()).Members.Should().ContainSingle().Which.Should().Match<GroupMemberDescription>(m => m.MemberId == took.MemberId && m.RackId == "rack-b");
        await FailsWith(RunnelErrorCode.FencedMember, first.HeartbeatAsync);

        await Cluster.RestartAsync();
        (await Cluster.Group("g").DescribeAsync()).Members.Should().ContainSingle().Which.RackId.Should().Be("rack-b", "the rack is logged with the member");
    }

    [Fact]
    public async Task Leave_StaticMemberTemporarily_AssignmentReservedUntilSessionTimeout()
    {
        await Cluster.Topic("t").CreateAsync(6, null);
        var members = new List<SimulatedMember> { Member("g", "s1", instanceId: "instance-1"), Member("g", "m2") };
        await History.RunUntilStableAsync(members);
        var reserved = members[0].Owned.ToHashSet();

        await Cluster.Group("g").LeaveAsync(members[0].MemberId, members[0].Epoch, temporary: true);
        await History.RunUntilStableAsync([members[1]]);
        members[1].Owned.Should().HaveCount(3, "the static member's partitions stay reserved");
        members[0].Restart();
        (await members[0].HeartbeatAsync()).Assignment.Should().BeEquivalentTo(reserved);

        await Cluster.Group("g").LeaveAsync(members[0].MemberId, members[0].Epoch, temporary: true);
        members[0].Owned.Clear();
        await PassTimeAsync(Session + Session, members[1]);
        await History.RunUntilStableAsync([members[1]]);
        members[1].Owned.Should().HaveCount(6, "the reservation ends with the session timeout");
        History.Violations.Should().BeEmpty();
    }

    [Fact]
    public async Task Commits_ManySnapshots_GroupLogTrimmedBelowTheSnapshotAndStateKeptAcrossARestart()
    {
        // Small group-log segments: each snapshot (every 5 changes here) lets the segments below it go.
        await UseOwnClusterAsync(o =>
        {
            o.GroupSnapshotRecords = 5;
            o.PartitionLog = o.PartitionLog with { SegmentBytes = 1024 };
        });
        await Cluster.Topic("t").CreateAsync(2, null);
        var group = Cluster.Group("g");
        for (var i = 1; i <= 60; i++)
        {
            await group.CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", i % 2, i, $"commit {i}")]));
        }

        var manifestName = new Log.PartitionPaths(Internal.StoragePaths.GroupPrefix("g")).Manifest;
        var manifest = Log.PartitionManifest.FromJson((await Store.GetAsync(manifestName)).Content.Span, manifestName);
        manifest.LogStartOffset.Should().BeGreaterThan(0, "segments below the snapshot are deleted");
        manifest.Segments.Count.Should().BeLessThan(5, "the log does not keep growing");
        await Cluster.RestartAsync();

        var offsets = await Cluster.Group("g").FetchOffsetsAsync([new GroupPartition("t", 0), new GroupPartition("t", 1)]);
        offsets.Select(o => (o.Partition, o.Offset, o.Metadata)).Should().BeEquivalentTo([(0, 60L, "commit 60"), (1, 59L, "commit 59")]);
    }

    [Fact]
    public async Task Commit_ZombiesAndBackwardsOffsets_RejectedResetOnlyWhenEmpty()
    {
        await Cluster.Topic("t").CreateAsync(4, null);
        var group = Cluster.Group("g");
        var members = new List<SimulatedMember> { Member("g", "s1", instanceId: "instance-1"), Member("g", "m2") };
        await History.RunUntilStableAsync(members);
        await members[0].CommitOwnedAsync(10);
        var own = members[0].Owned.OrderBy(p => p.Partition).First();
        var notOwn = members[1].Owned.OrderBy(p => p.Partition).First();

        var backwards = await FailsWith(RunnelErrorCode.OffsetCommitRejected, () => members[0].CommitOwnedAsync(5));
        var unowned = await FailsWith(RunnelErrorCode.OffsetCommitRejected, () => group.CommitOffsetsAsync(new OffsetCommitRequest(members[0].MemberId, members[0].Epoch, [new CommittedOffset("t", notOwn.Partition, 1, null)])).AsTask());
        await FailsWith(RunnelErrorCode.FencedMember, () => group.CommitOffsetsAsync(new OffsetCommitRequest(members[1].MemberId, members[1].Epoch + 5, [new CommittedOffset("t", notOwn.Partition, 1, null)])).AsTask());
        var zombie = new SimulatedMember(group, "zombie", "instance-1") { MemberId = members[0].MemberId, Epoch = members[0].Epoch, SessionTimeout = Session };
        zombie.Owned.UnionWith(members[0].Owned);
        members[0].Restart();
        await members[0].HeartbeatAsync();
        await FailsWith(RunnelErrorCode.FencedMember, () => zombie.CommitOwnedAsync(11));
        await FailsWith(RunnelErrorCode.FencedMember, zombie.HeartbeatAsync);
        await FailsWith(RunnelErrorCode.GroupNotEmpty, () => group.ResetOffsetsAsync([new CommittedOffset("t", own.Partition, 0, null)]).AsTask());
        await FailsWith(RunnelErrorCode.GroupNotEmpty, () => group.CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", own.Partition, 0, null)])).AsTask());

        backwards.Message.Should().Contain(own.ToString()).And.Contain("below the committed 10");
        unowned.Message.Should().Contain(notOwn.ToString());
        (await group.FetchOffsetsAsync([own])).Single().Offset.Should().Be(10, "nothing moved it back");
        foreach (var member in members)
        {
            await group.LeaveAsync(member.MemberId, member.Epoch, temporary: false);
        }

        await group.ResetOffsetsAsync([new CommittedOffset("t", own.Partition, 0, "reset")]);
        (await group.FetchOffsetsAsync([own])).Single().Should().Be(new CommittedOffset("t", own.Partition, 0, "reset"));
        await group.CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", own.Partition, 3, null)]));
        await FailsWith(RunnelErrorCode.OffsetCommitRejected, () => group.CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", own.Partition, 2, null)])).AsTask());
        (await group.DescribeAsync()).State.Should().Be(GroupState.Empty);
    }

    [Fact]
    public async Task Heartbeat_MaxPollIntervalExceeded_PartitionsReassignedAndRejoinWorks()
    {
        await Cluster.Topic("t").CreateAsync(6, null);
        var members = Enumerable.Range(1, 2).Select(i => Member("g", $"m{i}")).ToList();
        await History.RunUntilStableAsync(members);
        var slow = members[0];

        slow.SinceLastPoll = slow.MaxPollInterval + TimeSpan.FromSeconds(1);
        var exceeded = await FailsWith(RunnelErrorCode.MaxPollIntervalExceeded, slow.HeartbeatAsync);
        slow.Restart();
        await History.RunUntilStableAsync([members[1]]);
        members[1].Owned.Should().HaveCount(6);
        slow.SinceLastPoll = TimeSpan.Zero;
        await History.RunUntilStableAsync(members);

        exceeded.Message.Should().Contain("max poll interval");
        members.Select(m => m.Owned.Count).Should().Equal(3, 3);
        History.Violations.Should().BeEmpty();
    }

    [Fact]
    public async Task Validation_BadInputs_NamedErrors()
    {
        await Cluster.Topic("t").CreateAsync(2, null);
        var bad = await FailsWith(RunnelErrorCode.InvalidGroupId, () => Member("no/slash", "m").HeartbeatAsync());
        await FailsWith(RunnelErrorCode.InvalidGroupId, () => Cluster.Group("..").DescribeAsync().AsTask());
        await FailsWith(RunnelErrorCode.InvalidGroupId, () => Cluster.Group(".").DescribeAsync().AsTask());
        var unknownGroup = await FailsWith(RunnelErrorCode.UnknownGroup, () => Cluster.Group("never").DescribeAsync().AsTask());
        await FailsWith(RunnelErrorCode.UnknownGroup, () => Cluster.Group("never").DeleteAsync().AsTask());
        var unknownMember = await FailsWith(RunnelErrorCode.UnknownMember, () => new SimulatedMember(Cluster.Group("g"), "ghost") { MemberId = "ghost-id", Epoch = 3 }.HeartbeatAsync());
        var session = await FailsWith(RunnelErrorCode.InvalidArgument, () => new SimulatedMember(Cluster.Group("g"), "m") { SessionTimeout = TimeSpan.Zero }.HeartbeatAsync());
        var pattern = await FailsWith(RunnelErrorCode.InvalidArgument, () => new SimulatedMember(Cluster.Group("g"), "m") { Pattern = "([" }.HeartbeatAsync());
        var member = Member("g", "m1");
        await member.HeartbeatAsync();
        await FailsWith(RunnelErrorCode.GroupNotEmpty, () => Cluster.Group("g").DeleteAsync().AsTask());
        var negative = await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Group("g").CommitOffsetsAsync(new OffsetCommitRequest(member.MemberId, member.Epoch, [new CommittedOffset("t", 0, -1, null)])).AsTask());

        bad.Message.Should().Contain("no/slash");
        unknownGroup.Message.Should().Contain("never");
        unknownMember.Message.Should().Contain("ghost-id");
        session.Message.Should().Contain("SessionTimeout");
        pattern.Message.Should().Contain("([");
        negative.Message.Should().Contain("offset >= 0");
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal("g");
    }

    [Fact]
    public async Task Heartbeat_PatternSubscriptionAndAddedPartitions_PickedUpOnRefresh()
    {
        await Cluster.Topic("ev-a").CreateAsync(2, null);
        await Cluster.Topic("other").CreateAsync(2, null);
        var members = Enumerable.Range(1, 2).Select(i => Member("g", $"m{i}")).ToList();
        foreach (var m in members)
        {
            m.Topics = [];
            m.Pattern = "ev-.*";
            m.SessionTimeout = TimeSpan.FromMinutes(2);
        }

        await History.RunUntilStableAsync(members);
        members.SelectMany(m => m.Owned).Should().HaveCount(2).And.OnlyContain(p => p.Topic == "ev-a");
        await Cluster.Topic("ev-b").CreateAsync(2, null);
        await Cluster.Topic("ev-a").AddPartitionsAsync(4);
        Time.Advance(TimeSpan.FromSeconds(31));
        await History.RunUntilStableAsync(members);

        members.SelectMany(m => m.Owned).Should().HaveCount(6);
        members.Select(m => m.Owned.Count).Should().Equal(3, 3);
        History.Violations.Should().BeEmpty();
    }

    [Fact]
    public async Task Activation_SiloRestarted_MembersOffsetsAndEpochsRestoredThenDeleteRemovesEverything()
    {
        await Cluster.Topic("t").CreateAsync(6, null);
        var members = Enumerable.Range(1, 3).Select(i => Member("g", $"m{i}")).ToList();
        await History.RunUntilStableAsync(members);
        for (var i = 1; i <= 12; i++)
        {
            await members[i % 3].CommitOwnedAsync(i);
        }

        var before = await Cluster.Group("g").DescribeAsync();
        await Cluster.RestartAsync();
        var after = await Cluster.Group("g").DescribeAsync();
        after.Should().BeEquivalentTo(before);
        (await Store.TryGetAsync("groups/g/snapshot")).Should().NotBeNull("the group snapshots every 5 changes in this test");
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal("g");

        foreach (var m in before.Members)
        {
            await Cluster.Group("g").LeaveAsync(m.MemberId, m.MemberEpoch, temporary: false);
        }

        await Cluster.Group("g").DeleteAsync();
        await FailsWith(RunnelErrorCode.UnknownGroup, () => Cluster.Group("g").DescribeAsync().AsTask());
        (await Cluster.Groups.ListGroupsAsync()).Should().BeEmpty();
        var left = new List<string>();
        await foreach (var blob in Store.ListAllAsync("groups/"))
        {
            left.Add(blob.Name);
        }

        left.Should().BeEmpty();
    }
}

/// <summary>The silo a <see cref="ConsumerGroupTests"/> class takes turns on: a snapshot every 5 changes, fake time.</summary>
public sealed class GroupTestsCluster : SharedGrainsCluster
{
    public ManualTimeProvider Clock { get; } = new();

    public override TimeProvider? Time => Clock;

    protected override void Configure(RunnelGrainsOptions options) => options.GroupSnapshotRecords = 5;
}
