using System.Net;
using FluentAssertions;
using Orleans.Runtime.Placement;
using Xunit;
using OrleansGrainId = Orleans.Runtime.GrainId;

namespace Runnel.Clustering.Tests.Placement;

public sealed class RendezvousPlacementDirectorTests
{
    private static readonly SiloAddress[] Silos =
        Enumerable.Range(0, 4).Select(i => SiloAddress.New(IPAddress.Loopback, 11_111 + i, 1)).ToArray();

    private static PlacementTarget Target(string key, Dictionary<string, object>? requestContext = null) =>
        new(OrleansGrainId.Create("partition", key), requestContext ?? [], default, 0);

    [Fact]
    public async Task OnAddActivation_NoHint_PicksTheRendezvousOwnerAmongCompatibleSilos()
    {
        var director = new RendezvousPlacementDirector();

        for (var i = 0; i < 50; i++)
        {
            var target = Target($"orders/{i}");
            var silo = await director.OnAddActivation(RendezvousPlacement.Instance, target, new FakePlacementContext(Silos));
            silo.Should().Be(RendezvousHash.PickOwner(target.GrainIdentity, Silos));
        }
    }

    [Fact]
    public async Task OnAddActivation_HintNamingACompatibleSilo_PicksTheHint()
    {
        var target = Target("orders/1");
        var owner = RendezvousHash.PickOwner(target.GrainIdentity, Silos);
        var other = Silos.First(s => !s.Equals(owner));

        var silo = await new RendezvousPlacementDirector().OnAddActivation(
            RendezvousPlacement.Instance,
            Target("orders/1", new() { [IPlacementDirector.PlacementHintKey] = other }),
            new FakePlacementContext(Silos));

        silo.Should().Be(other);
    }

    [Fact]
    public async Task OnAddActivation_NoCompatibleSilo_ThrowsSiloUnavailable()
    {
        await FluentActions.Awaiting(() => new RendezvousPlacementDirector().OnAddActivation(RendezvousPlacement.Instance, Target("x"), new FakePlacementContext([])))
            .Should().ThrowAsync<SiloUnavailableException>();
    }

    private sealed class FakePlacementContext(SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos.FirstOrDefault() ?? SiloAddress.Zero;

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) =>
            new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }
}
