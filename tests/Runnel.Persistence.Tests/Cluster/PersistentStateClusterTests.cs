using FluentAssertions;
using Orleans.TestingHost;
using Runnel.Persistence.Hosting;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;
using Xunit;
using Xunit.Abstractions;

namespace Runnel.Persistence.Tests.Cluster;

/// <summary>Grain state through <c>IPersistentState&lt;T&gt;</c> on three Orleans silos (in one process) sharing one file
/// store for membership and state: the state outlives the silo that wrote it.</summary>
public sealed class PersistentStateClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new("state-cluster");
    private FileObjectStore _store = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _store = new FileObjectStore(_directory.Path);
        _cluster = RunnelTestCluster.Build(3, _store, configureSilo: silo => silo.AddRunnelGrainStorage("runnel", _store));
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    private IStateTestGrain Grain(string key) =>
        _cluster.Client.GetGrain<IStateTestGrain>(key, grainClassNamePrefix: typeof(RunnelStateTestGrain).FullName);

    [Fact]
    public async Task KillSilo_TheNewActivationOnAnotherSilo_ReadsTheStateTheOldOneWrote()
    {
        await RunnelTestCluster.WaitForAllSilosActiveAsync(_cluster, Bound);
        // Not the first silo: the test cluster's client uses it.
        var first = _cluster.GetActiveSilos().First().SiloAddress;
        IStateTestGrain? grain = null;
        StateSnapshot? fresh = null;
        for (var i = 0; grain is null; i++)
        {
            i.Should().BeLessThan(100, "some key lands on a silo other than the first");
            var candidate = Grain($"topic/{i}");
            var snapshot = await candidate.GetAsync();
            if (!snapshot.Silo.Equals(first))
            {
                (grain, fresh) = (candidate, snapshot);
            }
        }

        fresh!.RecordExists.Should().BeFalse();
        foreach (var item in new[] { "a", "b", "c" })
        {
            await grain.AddAsync(item);
        }

        var before = await grain.GetAsync();
        before.Items.Should().Equal("a", "b", "c");
        var victim = _cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(before.Silo));

        await _cluster.KillSiloAsync(victim);
        var after = await Probe.UntilAsync(() => grain.GetAsync(), s => !s.Silo.Equals(victim.SiloAddress), Bound, "the grain answers from a survivor");
        output.WriteLine($"moved from {before.Silo} to {after.Silo}");

        after.Activation.Should().NotBe(before.Activation);
        after.RecordExists.Should().BeTrue();
        after.Items.Should().Equal("a", "b", "c");
        after.ETag.Should().Be(before.ETag, "the new activation read the blob the old one wrote last");
        await grain.AddAsync("d");
        (await grain.GetAsync()).Items.Should().Equal("a", "b", "c", "d");
    }
}
