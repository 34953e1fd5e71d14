using System.Diagnostics;
using Runnel.Runtime.Client;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.TestingHost;
using Xunit.Abstractions;

namespace Runnel.Runtime.Tests.Cluster;

/// <summary>Real silo processes on a shared file store, killed with SIGKILL; and detection with the production defaults.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _data = new("silo-processes");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task KillNine_OneOfThreeSiloProcesses_DeclaredDeadAndItsGrainsAnswerFromTheSurvivors()
    {
        var cluster = "proc-" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => SiloProcess.StartAsync(_data.Path, cluster, $"p{i}", Bound)));
        try
        {
            await using var client = new RunnelClient(RunnelClientOptions.Default with
            {
                Endpoint = silos[0].Address.Endpoint,
                Seeds = [silos[1].Address.Endpoint, silos[2].Address.Endpoint],
                ClusterId = cluster,
                ResponseTimeout = TimeSpan.FromSeconds(20),
            });
            await client.ConnectAsync();
            await InProcessTestCluster.WaitForAsync(
                async () => (await TryGetClusterAsync(client))?.Silos.Count(s => s.Status == SiloStatus.Active) == 3,
                Bound,
                "all three processes Active");
            var keys = Enumerable.Range(0, 30).Select(i => $"p-{i}").ToList();
            var before = await Task.WhenAll(keys.Select(k => client.GetGrain<IPlacementTestGrain>(k).WhereAsync().AsTask()));
            var victim = silos[2];

            var clock = Stopwatch.StartNew();
            victim.Kill();
            await InProcessTestCluster.WaitForAsync(
                async () => (await TryGetClusterAsync(client))?.Silos.Single(s => s.SiloId == victim.Address.ToString()).Status == SiloStatus.Dead,
                Bound,
                "the killed process declared Dead");
            var detected = clock.Elapsed;
            var after = await Task.WhenAll(keys.Select(k => client.GetGrain<IPlacementTestGrain>(k).WhereAsync().AsTask()));

            output.WriteLine($"kill -9 → Dead in {detected.TotalMilliseconds:F0} ms (probes every 200 ms, 500 ms timeout)");
            before.Should().Contain(victim.Address.ToString());
            after.Should().OnlyContain(w => w != victim.Address.ToString());
            victim.HasExited.Should().BeTrue();
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task HungSeedSilo_ClientCallWaitingOnIt_FailsAsOutcomeUnknownOnceTheClusterDeclaresItDeadNotAtTheCallTimeout()
    {
        // A paused (SIGSTOP) silo keeps its TCP connections open and answers nothing. The client must not wait for the
        // call's 2-minute timeout or its 10-minute periodic view refresh: a call waiting past StalledCallViewRefresh
        // makes it re-read the view from the other silos, and the view with the silo Dead drops the connection (here
        // the seed's), so the call fails as OutcomeUnknown and a retry lands on a survivor.
        var cluster = "hung-" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => SiloProcess.StartAsync(_data.Path, cluster, $"h{i}", Bound)));
        try
        {
            var victim = silos[0];
            await using var client = new RunnelClient(RunnelClientOptions.Default with
            {
                Endpoint = victim.Address.Endpoint,
                Seeds = [silos[1].Address.Endpoint, silos[2].Address.Endpoint],
                ClusterId = cluster,
                ResponseTimeout = TimeSpan.FromMinutes(2),
                ViewRefreshPeriod = TimeSpan.FromMinutes(10),
            });
            await client.ConnectAsync();
            await InProcessTestCluster.WaitForAsync(
                async () => (await TryGetClusterAsync(client))?.Silos.Count(s => s.Status == SiloStatus.Active) == 3,
                Bound,
                "all three processes Active");
            var keys = Enumerable.Range(0, 30).Select(i => $"h-{i}").ToList();
            var where = await Task.WhenAll(keys.Select(k => client.GetGrain<IPlacementTestGrain>(k).WhereAsync().AsTask()));
            var key = keys[Array.IndexOf(where, victim.Address.ToString())];

            victim.Pause();
            var hanging = client.GetGrain<IPlacementTestGrain>(key).WhereAsync().AsTask();
            var failure = await FluentActions.Awaiting(() => hanging.WaitAsync(Bound)).Should().ThrowAsync<RunnelException>();
            var after = await client.GetGrain<IPlacementTestGrain>(key).WhereAsync();

            failure.Which.Code.Should().Be(RunnelErrorCode.OutcomeUnknown);
            after.Should().NotBe(victim.Address.ToString());
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task PausedSiloProcess_DeclaredDead_IsKilledBySiblingOnThisHostWithoutBeingResumed()
    {
        // The silo that writes Dead finds the victim's pid, boot id and start time in its membership row and, being on
        // the same host, sends it SIGKILL (MembershipOptions.KillDeadSilosOnSameHost): a stopped process ends only so.
        var cluster = "fence-" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => SiloProcess.StartAsync(_data.Path, cluster, $"f{i}", Bound)));
        try
        {
            var victim = silos[1];
            victim.Pause();

            await InProcessTestCluster.WaitForAsync(() => victim.HasExited, Bound, "the paused process to be killed once declared dead");

            silos[0].HasExited.Should().BeFalse();
            silos[2].HasExited.Should().BeFalse();
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>The admin view, or null when the silo asked was the one just killed (the call's outcome is unknown).</summary>
    private static async Task<Runtime.Management.ClusterView?> TryGetClusterAsync(RunnelClient client)
    {
        try
        {
            return await client.GetClusterAsync();
        }
        catch (RunnelException ex) when (ex.IsRetriable)
        {
            return null;
        }
    }

    [Fact]
    public async Task Kill_WithProductionDefaultTimings_DeclaredDeadWithinSixSeconds()
    {
        await using var cluster = await InProcessTestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 3,
            Store = new FileObjectStore(_data.Path),
            ConfigureMembership = static _ => { },
        });
        var victim = cluster.RunningSilos[0];

        var clock = Stopwatch.StartNew();
        await cluster.KillSiloAsync(victim);
        await InProcessTestCluster.WaitForAsync(() => cluster.RunningSilos.All(s => s.Silo.StatusOf(victim.Address) == SiloStatus.Dead), Bound, "survivors to see the victim Dead");

        output.WriteLine($"default options: declared dead and known to every survivor after {clock.Elapsed.TotalMilliseconds:F0} ms");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(6));
    }
}
