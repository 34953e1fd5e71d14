using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;
using Xunit;
using Xunit.Abstractions;

namespace Runnel.Clustering.Tests.Cluster;

/// <summary>Orleans silos (in one process, in-memory transport) clustering through the membership blob on one file store.</summary>
public sealed class ClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new("cluster");
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = RunnelTestCluster.Build(3, new FileObjectStore(_directory.Path));
        var clock = Stopwatch.StartNew();
        await _cluster.DeployAsync();
        output.WriteLine($"3 silos deployed in {clock.ElapsedMilliseconds} ms");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Deploy_ThreeSilos_FormOneClusterInTheBlobTable()
    {
        var silos = RunnelTestCluster.Addresses(_cluster);

        var table = await Probe.UntilAsync(
            () => RunnelTestCluster.Table(_cluster).ReadAllAsync(),
            t => t.Members.Count(m => m.Item1.Status == SiloStatus.Active) == 3,
            Bound,
            "three Active rows");

        table.Members.Where(m => m.Item1.Status == SiloStatus.Active).Select(m => m.Item1.SiloAddress).Should().BeEquivalentTo(silos);
        table.Version.Version.Should().BeGreaterThanOrEqualTo(3, "each silo's join bumps the version");
        foreach (var silo in silos)
        {
            var membership = _cluster.GetSiloServiceProvider(silo).GetRequiredService<IClusterMembershipService>();
            await Probe.UntilAsync(
                () => Task.FromResult(membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active)),
                active => active == 3,
                Bound,
                $"{silo} sees three Active silos");
        }
    }

    [Fact]
    public async Task Client_ConnectsThroughTheGatewayListInTheBlob()
    {
        var gateways = await Probe.UntilAsync(
            () => RunnelTestCluster.GatewayList(_cluster).GetGatewaysAsync(),
            g => g.Count == 3,
            Bound,
            "three gateways");

        gateways.Select(uri => uri.Port).Should().BeEquivalentTo(_cluster.GetActiveSilos().Select(s => s.GatewayAddress!.Endpoint.Port));
        gateways.Should().OnlyContain(uri => uri.Host == "127.0.0.1");
        var silo = await _cluster.Client.GetGrain<IRendezvousTestGrain>("client/1").GetSiloAsync();
        RunnelTestCluster.Addresses(_cluster).Should().Contain(silo);
    }

    [Fact]
    public async Task RendezvousGrains_AreActivatedOnTheirRendezvousOwner()
    {
        var silos = RunnelTestCluster.Addresses(_cluster);
        await WaitForAllSilosActiveAsync(silos.Length);

        for (var i = 0; i < 30; i++)
        {
            var grain = _cluster.Client.GetGrain<IRendezvousTestGrain>($"orders/{i}");

            var silo = await grain.GetSiloAsync();

            silo.Should().Be(RendezvousHash.PickOwner(grain.GetGrainId(), silos), $"orders/{i} belongs to its rendezvous owner");
        }
    }

    [Fact]
    public async Task KillSilo_TableMarksItDead_AndItsGrainsAnswerFromTheirNewOwnerWithinTheBound()
    {
        var silos = RunnelTestCluster.Addresses(_cluster);
        await WaitForAllSilosActiveAsync(silos.Length);
        // Not the first silo: the test cluster's client and table helper use it.
        var victim = _cluster.GetActiveSilos().Last();
        var survivors = silos.Where(s => !s.Equals(victim.SiloAddress)).ToArray();
        var keys = Enumerable.Range(0, 200).Select(i => $"orders/{i}")
            .Where(key => RendezvousHash.PickOwner(_cluster.Client.GetGrain<IRendezvousTestGrain>(key).GetGrainId(), silos).Equals(victim.SiloAddress))
            .Take(5)
            .ToArray();
        keys.Should().NotBeEmpty();
        foreach (var key in keys)
        {
            (await _cluster.Client.GetGrain<IRendezvousTestGrain>(key).GetSiloAsync()).Should().Be(victim.SiloAddress);
        }

        var clock = Stopwatch.StartNew();
        await _cluster.KillSiloAsync(victim);
        var killed = clock.Elapsed;

        var grain = _cluster.Client.GetGrain<IRendezvousTestGrain>(keys[0]);
        var movedTo = await Probe.UntilAsync(() => grain.GetSiloAsync(), s => !s.Equals(victim.SiloAddress), Bound, $"{keys[0]} answers from a survivor");
        var answered = clock.Elapsed;
        await Probe.UntilAsync(
            () => RunnelTestCluster.Table(_cluster).ReadRowAsync(victim.SiloAddress),
            row => row.Members.Single().Item1.Status == SiloStatus.Dead,
            Bound,
            "the killed silo's row is Dead");
        var dead = clock.Elapsed;
        output.WriteLine($"KillSiloAsync took {killed.TotalMilliseconds:0} ms; first answer elsewhere after {answered.TotalMilliseconds:0} ms; row Dead after {dead.TotalMilliseconds:0} ms");

        movedTo.Should().Be(RendezvousHash.PickOwner(grain.GetGrainId(), survivors));
        foreach (var key in keys)
        {
            var moved = _cluster.Client.GetGrain<IRendezvousTestGrain>(key);
            (await moved.GetSiloAsync()).Should().Be(RendezvousHash.PickOwner(moved.GetGrainId(), survivors), $"{key} moves to its runner-up");
        }
    }

    private Task WaitForAllSilosActiveAsync(int count)
    {
        RunnelTestCluster.Addresses(_cluster).Should().HaveCount(count);
        return RunnelTestCluster.WaitForAllSilosActiveAsync(_cluster, Bound);
    }
}
