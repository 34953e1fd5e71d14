using System.Net;
using FluentAssertions;
using Xunit;
using OrleansGrainId = Orleans.Runtime.GrainId;

namespace Runnel.Clustering.Tests.Placement;

public sealed class RendezvousHashTests
{
    private const int Keys = 10_000;

    private static readonly OrleansGrainId[] Grains =
        Enumerable.Range(0, Keys).Select(i => OrleansGrainId.Create("partition", $"orders/{i}")).ToArray();

    private static SiloAddress[] Silos(int count, int firstPort = 11_111) =>
        Enumerable.Range(0, count).Select(i => SiloAddress.New(IPAddress.Loopback, firstPort + i, 1000 + i)).ToArray();

    private static SiloAddress[] Owners(SiloAddress[] silos) => Grains.Select(g => RendezvousHash.PickOwner(g, silos)).ToArray();

    [Fact]
    public void PickOwner_SameSilosInAnyOrder_SameOwner()
    {
        var silos = Silos(5);
        var reversed = silos.Reverse().ToArray();

        Owners(silos).Should().Equal(Owners(reversed));
    }

    [Fact]
    public void GrainHash_IsStableAcrossProcessesAndVersions()
    {
        // Pinned: the hash is part of the cluster's format (changing it moves every grain).
        RendezvousHash.GrainHash(OrleansGrainId.Create("partition", "orders/0")).Should().Be(PinnedOrders0Hash);
        RendezvousHash.Score(PinnedOrders0Hash, SiloAddress.New(IPAddress.Loopback, 11_111, 1)).Should().Be(PinnedScore);
    }

    [Fact]
    public void Score_IgnoresTheSilosGeneration_SoARestartInPlaceKeepsItsGrains()
    {
        var hash = RendezvousHash.GrainHash(Grains[0]);

        RendezvousHash.Score(hash, SiloAddress.New(IPAddress.Loopback, 11_111, 1))
            .Should().Be(RendezvousHash.Score(hash, SiloAddress.New(IPAddress.Loopback, 11_111, 2)));
    }

    [Fact]
    public void PickOwner_FiveSilos_SpreadsTenThousandKeysWithinTenPercentOfEven()
    {
        var owners = Owners(Silos(5));

        var counts = owners.GroupBy(o => o).Select(g => g.Count()).ToArray();

        counts.Should().HaveCount(5);
        counts.Should().OnlyContain(c => c >= 1800 && c <= 2200, "binomial sd is 40 keys; 200 is 5 sd");
    }

    [Fact]
    public void PickOwner_ASiloJoins_OnlyAboutOneNthMovesAndAllToTheNewSilo()
    {
        var before = Silos(5);
        var after = Silos(6);
        var joined = after[5];

        var ownersBefore = Owners(before);
        var ownersAfter = Owners(after);
        var moved = Enumerable.Range(0, Keys).Where(i => !ownersBefore[i].Equals(ownersAfter[i])).ToArray();

        moved.Should().OnlyContain(i => ownersAfter[i].Equals(joined));
        moved.Length.Should().BeInRange(Keys / 6 - 250, Keys / 6 + 250);
    }

    [Fact]
    public void PickOwner_ASiloLeaves_OnlyItsKeysMove()
    {
        var before = Silos(6);
        var left = before[2];
        var after = before.Where(s => !s.Equals(left)).ToArray();

        var ownersBefore = Owners(before);
        var ownersAfter = Owners(after);
        var moved = Enumerable.Range(0, Keys).Where(i => !ownersBefore[i].Equals(ownersAfter[i])).ToArray();

        moved.Should().OnlyContain(i => ownersBefore[i].Equals(left));
        moved.Length.Should().Be(ownersBefore.Count(o => o.Equals(left)));
        moved.Length.Should().BeInRange(Keys / 6 - 250, Keys / 6 + 250);
    }

    [Fact]
    public void PickOwner_NoSilos_Throws()
    {
        FluentActions.Invoking(() => RendezvousHash.PickOwner(Grains[0], ReadOnlySpan<SiloAddress>.Empty)).Should().Throw<ArgumentException>();
    }

    private const ulong PinnedOrders0Hash = 1704974306074109082;
    private const ulong PinnedScore = 13531075716358096827;
}
