using Runnel.Runtime.Membership;

namespace Runnel.Runtime.Tests.Cluster;

public sealed class MembershipRulesTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(60);

    [Fact]
    public void Join_EmptyTable_AddsOneJoiningRowWithTheStoreClockAsGenerationAndVersionPlusOne()
    {
        var table = MembershipRules.Join(MembershipTable.Empty, "127.0.0.1:5000", "a", T0, [], 25, out var self);

        table.Version.Should().Be(1);
        self.Should().Be(new SiloAddress("127.0.0.1:5000", T0.ToUnixTimeMilliseconds()));
        table.Members.Should().ContainSingle().Which.Status.Should().Be(SiloStatus.Joining);
    }

    [Fact]
    public void Join_SameEndpointWithANewerGenerationOnAClockThatSteppedBack_OlderGenerationDeadAndNewOneHigher()
    {
        var first = MembershipRules.Join(MembershipTable.Empty, "127.0.0.1:5000", "a", T0, [], 25, out var old);
        first = MembershipRules.SetStatus(first, old, SiloStatus.Active, 25)!;

        var second = MembershipRules.Join(first, "127.0.0.1:5000", "a", T0 - TimeSpan.FromMinutes(5), [], 25, out var restarted);

        restarted.Generation.Should().BeGreaterThan(old.Generation);
        second.StatusOf(old).Should().Be(SiloStatus.Dead);
        second.StatusOf(restarted).Should().Be(SiloStatus.Joining);
        second.Version.Should().Be(first.Version + 1);
    }

    [Fact]
    public void Join_WithEvictedStaleRows_MarksOnlyThoseDead()
    {
        var table = Active(3, out var silos);

        var joined = MembershipRules.Join(table, "127.0.0.1:6000", "d", T0, [silos[1]], 25, out _);

        joined.StatusOf(silos[0]).Should().Be(SiloStatus.Active);
        joined.StatusOf(silos[1]).Should().Be(SiloStatus.Dead);
        joined.StatusOf(silos[2]).Should().Be(SiloStatus.Active);
    }

    [Theory]
    [InlineData(SiloStatus.Active, SiloStatus.Joining)]
    [InlineData(SiloStatus.Dead, SiloStatus.Active)]
    [InlineData(SiloStatus.ShuttingDown, SiloStatus.ShuttingDown)]
    public void SetStatus_BackwardsOrSame_ChangesNothing(SiloStatus current, SiloStatus requested)
    {
        var table = Active(1, out var silos);
        table = current == SiloStatus.Active ? table : MembershipRules.SetStatus(table, silos[0], current, 25)!;

        MembershipRules.SetStatus(table, silos[0], requested, 25).Should().BeNull();
    }

    [Fact]
    public void SetStatus_MissingSilo_ChangesNothing() =>
        MembershipRules.SetStatus(Active(1, out _), new SiloAddress("127.0.0.1:1", 1), SiloStatus.Dead, 25).Should().BeNull();

    [Theory]
    [InlineData(1, 2, 1)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 2, 2)]
    [InlineData(4, 2, 2)]
    [InlineData(10, 2, 2)]
    [InlineData(10, 3, 3)]
    [InlineData(0, 2, 1)]
    public void RequiredVotes_IsMinOfConfiguredAndHalfTheLiveRoundedUp(int live, int configured, int expected) =>
        MembershipRules.RequiredVotes(live, configured).Should().Be(expected);

    [Fact]
    public void Suspect_TwoSiloCluster_OneVoteDeclaresTheOtherDead()
    {
        var table = Active(2, out var s);

        var decision = MembershipRules.Suspect(table, s[1], [s[0]], T0, 2, Expiry, 25);

        decision.DeclaredDead.Should().BeTrue();
        decision.Updated!.StatusOf(s[1]).Should().Be(SiloStatus.Dead);
    }

    [Fact]
    public void Suspect_ThreeSilos_FirstVoteIsRecordedAndSecondVoterDeclaresDead()
    {
        var table = Active(3, out var s);

        var first = MembershipRules.Suspect(table, s[2], [s[0]], T0, 2, Expiry, 25);
        var again = MembershipRules.Suspect(first.Updated!, s[2], [s[0]], T0 + TimeSpan.FromSeconds(1), 2, Expiry, 25);
        var second = MembershipRules.Suspect(again.Updated!, s[2], [s[1]], T0 + TimeSpan.FromSeconds(2), 2, Expiry, 25);

        first.DeclaredDead.Should().BeFalse();
        first.Updated!.Find(s[2])!.Votes.Should().ContainSingle();
        again.DeclaredDead.Should().BeFalse("a voter's new vote replaces its old one");
        second.DeclaredDead.Should().BeTrue();
    }

    [Fact]
    public void Suspect_OtherVoteOlderThanExpiryOnTheStoreClock_DoesNotCount()
    {
        var table = Active(3, out var s);
        var first = MembershipRules.Suspect(table, s[2], [s[0]], T0, 2, Expiry, 25);

        var late = MembershipRules.Suspect(first.Updated!, s[2], [s[1]], T0 + Expiry, 2, Expiry, 25);

        late.DeclaredDead.Should().BeFalse();
        late.Updated!.Find(s[2])!.Votes.Should().ContainSingle().Which.Voter.Should().Be(s[1].ToString());
    }

    [Fact]
    public void Suspect_VoteOfASiloThatDiedSince_DoesNotCount()
    {
        var table = Active(4, out var s);
        table = MembershipRules.Suspect(table, s[3], [s[0]], T0, 2, Expiry, 25).Updated!;
        table = MembershipRules.SetStatus(table, s[0], SiloStatus.Dead, 25)!;

        var decision = MembershipRules.Suspect(table, s[3], [s[1]], T0, 2, Expiry, 25);

        decision.DeclaredDead.Should().BeFalse();
    }

    [Fact]
    public void Suspect_VoterNotActive_ChangesNothing()
    {
        var table = Active(3, out var s);
        table = MembershipRules.SetStatus(table, s[0], SiloStatus.Dead, 25)!;

        MembershipRules.Suspect(table, s[1], [s[0]], T0, 2, Expiry, 25).Updated.Should().BeNull();
    }

    [Fact]
    public void Suspect_IndirectProbeConfirmedByIntermediary_TwoVotesDeclareDeadAtOnce()
    {
        var table = Active(5, out var s);

        var decision = MembershipRules.Suspect(table, s[4], [s[0], s[1]], T0, 2, Expiry, 25);

        decision.DeclaredDead.Should().BeTrue();
    }

    [Fact]
    public void Suspect_AlreadyDead_ChangesNothing()
    {
        var table = MembershipRules.Suspect(Active(2, out var s), s[1], [s[0]], T0, 2, Expiry, 25).Updated!;

        MembershipRules.Suspect(table, s[1], [s[0]], T0, 2, Expiry, 25).Updated.Should().BeNull();
    }

    [Fact]
    public void Prune_MoreDeadRowsThanKept_DropsTheOldestDeadOnly()
    {
        var table = MembershipTable.Empty;
        var all = new List<SiloAddress>();
        for (var i = 0; i < 5; i++)
        {
            table = MembershipRules.Join(table, $"127.0.0.1:{5000 + i}", $"s{i}", T0 + TimeSpan.FromSeconds(i), [], 2, out var silo);
            all.Add(silo);
            if (i < 4)
            {
                table = MembershipRules.SetStatus(table, silo, SiloStatus.Dead, 2)!;
            }
        }

        table.Members.Select(m => m.Silo).Should().BeEquivalentTo([all[2], all[3], all[4]]);
    }

    [Fact]
    public void Json_RoundTrip_KeepsEveryField()
    {
        var table = MembershipRules.Suspect(Active(3, out var s), s[2], [s[0]], T0, 2, Expiry, 25).Updated!;

        var parsed = MembershipJsonContext.ParseTable(MembershipJsonContext.Serialize(table));

        parsed.Version.Should().Be(table.Version);
        parsed.Members.Should().BeEquivalentTo(table.Members);
    }

    private static MembershipTable Active(int count, out List<SiloAddress> silos)
    {
        var table = MembershipTable.Empty;
        silos = [];
        for (var i = 0; i < count; i++)
        {
            table = MembershipRules.Join(table, $"127.0.0.1:{5000 + i}", $"s{i}", T0, [], 25, out var silo);
            table = MembershipRules.SetStatus(table, silo, SiloStatus.Active, 25)!;
            silos.Add(silo);
        }

        return table;
    }
}
