using Runnel.Grains.Internal;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>Kafka's classic group protocol as the group grain runs it (<see cref="ClassicGroup"/>), on fake time: join
/// rounds, the leader's assignment relayed to followers, heartbeats, leaving, session and round deadlines.</summary>
public sealed class ClassicGroupTests
{
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Rebalance = TimeSpan.FromSeconds(30);

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private ClassicGroup NewGroup() => new(_time);

    private static ClassicJoinRequest Join(string memberId = "", string protocol = "range", string type = "consumer", string? instance = null) =>
        new(memberId, instance, "client", "host", type, [new ClassicProtocol(protocol, [1, 2, 3])], Session, Rebalance);

    [Fact]
    public void Join_FirstMember_CompletesAtOnceAsLeaderOfGenerationOne()
    {
        var group = NewGroup();
        var joined = group.Join(Join());

        joined.IsCompleted.Should().BeTrue();
        joined.Done.Error.Should().Be(ClassicGroupError.None);
        joined.Done.GenerationId.Should().Be(1);
        joined.Done.LeaderId.Should().Be(joined.Done.MemberId);
        joined.Done.Members.Should().ContainSingle().Which.Metadata.Should().Equal(1, 2, 3);
        group.State.Should().Be(ClassicGroup.Phase.CompletingRebalance);
    }

    [Fact]
    public void Join_SecondMember_WaitsUntilFirstRejoins_LeaderSeesBothFollowerSeesNone()
    {
        var group = NewGroup();
        var first = group.Join(Join()).Done;
        group.Sync(first.MemberId, 1, [new ClassicAssignment(first.MemberId, [9])]).Done.Assignment.Should().Equal(9);

        var second = group.Join(Join());
        second.IsCompleted.Should().BeFalse("the round waits for the first member to rejoin");
        group.Heartbeat(first.MemberId, 1).Should().Be(ClassicGroupError.RebalanceInProgress);

        var rejoined = group.Join(Join(first.MemberId));
        rejoined.IsCompleted.Should().BeTrue();
        second.IsCompleted.Should().BeTrue();
        rejoined.Done.GenerationId.Should().Be(2);
        second.Done.GenerationId.Should().Be(2);
        rejoined.Done.LeaderId.Should().Be(first.MemberId, "the leader stays the leader when it rejoins");
        rejoined.Done.Members.Should().HaveCount(2);
        second.Done.Members.Should().BeEmpty();
    }

    [Fact]
    public void Sync_FollowerBeforeLeader_WaitsThenGetsItsOwnAssignment()
    {
        var group = NewGroup();
        var leader = group.Join(Join()).Done;
        var followerJoin = group.Join(Join());
        group.Join(Join(leader.MemberId));
        var follower = followerJoin.Done;

        var waiting = group.Sync(follower.MemberId, 2, []);
        waiting.IsCompleted.Should().BeFalse();
        group.Sync(leader.MemberId, 2, [new ClassicAssignment(leader.MemberId, [1]), new ClassicAssignment(follower.MemberId, [2])]).Done.Assignment.Should().Equal(1);

        waiting.IsCompleted.Should().BeTrue();
        waiting.Done.Error.Should().Be(ClassicGroupError.None);
        waiting.Done.Assignment.Should().Equal(2);
        group.State.Should().Be(ClassicGroup.Phase.Stable);
        group.Heartbeat(follower.MemberId, 2).Should().Be(ClassicGroupError.None);
    }

    [Fact]
    public void HeartbeatSyncCommit_StaleGenerationOrUnknownMember_AreRefused()
    {
        var group = NewGroup();
        var member = group.Join(Join()).Done;

        group.Heartbeat(member.MemberId, 0).Should().Be(ClassicGroupError.IllegalGeneration);
        group.Heartbeat("nobody", 1).Should().Be(ClassicGroupError.UnknownMember);
        group.Sync(member.MemberId, 7, []).Done.Error.Should().Be(ClassicGroupError.IllegalGeneration);
        group.CheckCommit(member.MemberId, 0).Should().Be(ClassicGroupError.IllegalGeneration);
        group.CheckCommit(member.MemberId, 1).Should().BeNull();
        group.Join(Join("nobody")).Done.Error.Should().Be(ClassicGroupError.UnknownMember);
    }

    [Fact]
    public void Join_OtherProtocolTypeOrNoCommonAssignor_InconsistentProtocol()
    {
        var group = NewGroup();
        group.Join(Join(protocol: "range"));

        group.Join(Join(protocol: "roundrobin")).Done.Error.Should().Be(ClassicGroupError.InconsistentProtocol);
        group.Join(Join(type: "connect")).Done.Error.Should().Be(ClassicGroupError.InconsistentProtocol);
        group.Count.Should().Be(1);
    }

    [Fact]
    public void Leave_OneOfTwo_OtherRebalancesAlone_LastLeavesGroupEmpty()
    {
        var group = NewGroup();
        var a = group.Join(Join()).Done;
        var bJoin = group.Join(Join());
        group.Join(Join(a.MemberId));
        var b = bJoin.Done;
        group.Sync(a.MemberId, 2, []);

        group.Leave(b.MemberId).Should().Be(ClassicGroupError.None);
        group.State.Should().Be(ClassicGroup.Phase.PreparingRebalance);
        group.Heartbeat(a.MemberId, 2).Should().Be(ClassicGroupError.RebalanceInProgress);
        group.Join(Join(a.MemberId)).Done.GenerationId.Should().Be(3);

        group.Leave(a.MemberId).Should().Be(ClassicGroupError.None);
        group.State.Should().Be(ClassicGroup.Phase.Empty);
        group.Leave(a.MemberId).Should().Be(ClassicGroupError.UnknownMember);
    }

    [Fact]
    public void Expire_SilentMemberPastSession_RemovedAndTheOtherRebalances()
    {
        var group = NewGroup();
        var a = group.Join(Join()).Done;
        var bJoin = group.Join(Join());
        group.Join(Join(a.MemberId));
        var b = bJoin.Done;
        group.Sync(a.MemberId, 2, []);

        _time.Advance(Session / 2);
        group.Heartbeat(a.MemberId, 2).Should().Be(ClassicGroupError.None);
        _time.Advance(Session / 2);
        group.Expire().Should().Equal(b.MemberId);
        group.Count.Should().Be(1);
        group.Heartbeat(a.MemberId, 2).Should().Be(ClassicGroupError.RebalanceInProgress);
    }

    [Fact]
    public void Expire_RoundPastRebalanceTimeout_RemovesMembersThatDidNotRejoin()
    {
        var group = NewGroup();
        var a = group.Join(Join()).Done;
        group.Sync(a.MemberId, 1, []);
        var bJoin = group.Join(Join());

        // a keeps heartbeating (its session is fine) but never rejoins.
        for (var passed = TimeSpan.Zero; passed < Rebalance; passed += Session / 2)
        {
            _time.Advance(Session / 2);
            group.Heartbeat(a.MemberId, 1).Should().Be(ClassicGroupError.RebalanceInProgress);
            group.Expire();
        }

        bJoin.IsCompleted.Should().BeTrue();
        bJoin.Done.GenerationId.Should().Be(2);
        bJoin.Done.LeaderId.Should().Be(bJoin.Done.MemberId);
        group.Heartbeat(a.MemberId, 1).Should().Be(ClassicGroupError.UnknownMember);
    }

    [Fact]
    public void Join_RoundEndsBeforeTheWaiterComesBack_AnswerKeptUntilTheNextJoin()
    {
        var group = NewGroup();
        var a = group.Join(Join()).Done;
        var bJoin = group.Join(Join());
        var bId = group.Members.Single(m => m.MemberId != a.MemberId).MemberId;
        group.Join(Join(a.MemberId)); // ends the round while b's caller is between its two calls

        bJoin.IsCompleted.Should().BeTrue();
        group.TryGet(bId, out var b).Should().BeTrue();
        (b.PendingJoin is null).Should().BeTrue();
        b.LastJoin.Should().NotBeNull();
        b.LastJoin!.GenerationId.Should().Be(2);

        group.Join(Join(bId));
        b.LastJoin.Should().BeNull("a new join replaces the old answer");
    }

    [Fact]
    public void Join_StaticMemberRestarts_ReplacesItsOldSelf()
    {
        var group = NewGroup();
        var old = group.Join(Join(instance: "i-1")).Done;
        var fresh = group.Join(Join(instance: "i-1")).Done;

        fresh.MemberId.Should().NotBe(old.MemberId);
        group.Count.Should().Be(1);
        group.Heartbeat(old.MemberId, fresh.GenerationId).Should().Be(ClassicGroupError.UnknownMember);
    }
}

/// <summary>The answer of a call that must have completed synchronously (the state machine never blocks).</summary>
internal static class CompletedTaskExtensions
{
    extension<T>(Task<T> task)
    {
        public T Done
        {
            get
            {
                task.IsCompletedSuccessfully.Should().BeTrue("the call must have been answered already");
#pragma warning disable VSTHRD002 // completed: checked above
                return task.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002
            }
        }
    }
}
