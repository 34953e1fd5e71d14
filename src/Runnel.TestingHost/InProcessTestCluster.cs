using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Runnel.Runtime;
using Runnel.Runtime.Client;
using Runnel.Storage;

namespace Runnel.TestingHost;

/// <summary>
/// N Runnel silos in one process, each in its own generic host listening on a loopback port, all members of one
/// cluster over one shared <see cref="IObjectStore"/> (a file store or Azurite). Each silo sees the store through its
/// own <see cref="FaultInjectingObjectStore"/> and <see cref="GatedObjectStore"/>, has its own
/// <see cref="TimeProvider"/>, and has its fatal-error handler replaced by one that records the reason and kills
/// the silo (instead of ending the test process).
/// </summary>
/// <remarks>
/// <para>Operations: <see cref="StopSiloAsync"/> (graceful: the host's StopAsync), <see cref="KillSiloAsync"/>
/// (ungraceful: sockets dropped, listener closed, no goodbye and no store call after), <see cref="Pause"/> and
/// <see cref="Resume"/> (a zombie: it keeps running but is cut off from the store, its peers and clients),
/// <see cref="RestartSiloAsync"/> (kill, then a new silo on the same port: a new generation), network partitions
/// between two silos (<see cref="CutNetwork"/>) and a whole-store outage (<see cref="SetStoreReachable"/>).</para>
/// <para>Not thread-safe for concurrent operations on the same silo; silos may be started concurrently.</para>
/// </remarks>
public sealed class InProcessTestCluster : IAsyncDisposable
{
    /// <summary>How often <see cref="WaitForAsync(Func{bool}, TimeSpan, string)"/> re-checks its condition (it never paces a test: it waits for a fact).</summary>
    private static readonly TimeSpan ConditionPoll = TimeSpan.FromMilliseconds(10);

    private readonly List<TestSilo> _silos = [];
    private readonly List<RunnelClient> _clients = [];
    private readonly Lock _gate = new();
    private int _nextIndex;

    private InProcessTestCluster(TestClusterOptions options)
    {
        Options = options;
        Store = options.Store ?? throw new ArgumentException("TestClusterOptions.Store is required.", nameof(options));
    }

    public TestClusterOptions Options { get; }

    /// <summary>The shared store (without any silo's decorators).</summary>
    public IObjectStore Store { get; }

    public string ClusterId => Options.ClusterId;

    /// <summary>Every silo started so far, in start order (stopped and killed ones included).</summary>
    public IReadOnlyList<TestSilo> Silos
    {
        get
        {
            lock (_gate)
            {
                return [.. _silos];
            }
        }
    }

    /// <summary>The silos that are running and connected.</summary>
    public IReadOnlyList<TestSilo> RunningSilos => Silos.Where(s => s.State == TestSiloState.Running).ToList();

    /// <summary>Starts <see cref="TestClusterOptions.InitialSilos"/> silos at once and waits until every one sees all of
    /// them Active in the same view.</summary>
    public static async Task<InProcessTestCluster> StartAsync(TestClusterOptions options, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = new InProcessTestCluster(options);
        try
        {
            await cluster.StartSilosAsync(options.InitialSilos).ConfigureAwait(false);
            await cluster.WaitForStableViewAsync(timeout ?? TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts <paramref name="count"/> silos concurrently (they join at the same moment).</summary>
    public async Task<IReadOnlyList<TestSilo>> StartSilosAsync(int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartSiloAsync())).ConfigureAwait(false);

    /// <summary>Starts one silo (on <paramref name="port"/>, or a free one) and waits until it is Active.</summary>
    public async Task<TestSilo> StartSiloAsync(int port = 0)
    {
        var index = Interlocked.Increment(ref _nextIndex) - 1;
        var name = $"silo-{index}";
        var time = Options.TimeProviderFactory?.Invoke(index) ?? TimeProvider.System;
        var faults = new FaultInjectingObjectStore(Store, Options.StoreFaults?.Invoke(index));
        var gate = new GatedObjectStore(faults);
        var handler = new TestFatalErrorHandler(this);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        Options.ConfigureLogging?.Invoke(index, builder.Logging);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<IObjectStore>(gate);
        builder.Services.AddSingleton<IFatalErrorHandler>(handler);
        Options.ConfigureServices?.Invoke(builder.Services);
        var silo = builder.Services.AddRunnelSilo(o =>
        {
            o.ClusterId = Options.ClusterId;
            o.SiloName = name;
            o.ListenAddress = "127.0.0.1";
            o.Port = port;
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            Options.ConfigureSiloOptions?.Invoke(o);
        });
        silo.ConfigureMembership(Options.ConfigureMembership);
        Options.ConfigureSilo?.Invoke(silo);
        var host = builder.Build();
        var testSilo = new TestSilo(index, name, host, gate, faults, time);
        handler.Silo = testSilo;
        lock (_gate)
        {
            _silos.Add(testSilo);
        }

        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            testSilo.State = TestSiloState.Killed;
            await DisposeHostAsync(host).ConfigureAwait(false);
            throw;
        }

        return testSilo;
    }

    /// <summary>Stops a silo gracefully (ShuttingDown, deactivations, Dead) and disposes its host.</summary>
    public async Task StopSiloAsync(TestSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (silo.State is TestSiloState.Stopped or TestSiloState.Killed)
        {
            return;
        }

        silo.State = TestSiloState.Stopped;
        await silo.Host.StopAsync().ConfigureAwait(false);
        await DisposeHostAsync(silo.Host).ConfigureAwait(false);
    }

    /// <summary>Kills a silo: it stops using the store at once, drops its connections without a goodbye and closes
    /// its listener; no deactivation runs. Its peers must detect the death.</summary>
    public async Task KillSiloAsync(TestSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        lock (_gate)
        {
            if (silo.State is TestSiloState.Stopped or TestSiloState.Killed)
            {
                return;
            }

            silo.State = TestSiloState.Killed;
        }

        silo.StoreGate.IsClosed = true;
        await silo.Silo.KillAsync().ConfigureAwait(false);
        await DisposeHostAsync(silo.Host).ConfigureAwait(false);
    }

    /// <summary>Kills a silo and starts a new one on the same port (a new generation of the same endpoint).</summary>
    public async Task<TestSilo> RestartSiloAsync(TestSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var port = silo.Endpoint.Port;
        await KillSiloAsync(silo).ConfigureAwait(false);
        return await StartSiloAsync(port).ConfigureAwait(false);
    }

    /// <summary>Makes a silo a zombie: it keeps running (timers, grains) but cannot reach the store, and every peer
    /// and client connection is dropped and refused.</summary>
    public static void Pause(TestSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.State = TestSiloState.Paused;
        silo.StoreGate.IsClosed = true;
        silo.Silo.Network.Isolated = true;
    }

    /// <summary>Reconnects a paused silo to the store and the network.</summary>
    public static void Resume(TestSilo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (silo.State != TestSiloState.Paused)
        {
            return;
        }

        silo.State = TestSiloState.Running;
        silo.StoreGate.IsClosed = false;
        silo.Silo.Network.Isolated = false;
    }

    /// <summary>Cuts the network between two silos, both ways (their other links and the store stay up).</summary>
    public static void CutNetwork(TestSilo a, TestSilo b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Silo.Network.Block(b.Address.Endpoint);
        b.Silo.Network.Block(a.Address.Endpoint);
    }

    /// <summary>Restores every cut link between silos.</summary>
    public void HealNetwork()
    {
        foreach (var silo in Silos.Where(s => s.State is TestSiloState.Running or TestSiloState.Paused))
        {
            silo.Silo.Network.UnblockAll();
        }
    }

    /// <summary>Cuts (false) or restores (true) every running silo's access to the store: a whole-store outage.</summary>
    public void SetStoreReachable(bool reachable)
    {
        foreach (var silo in RunningSilos)
        {
            silo.StoreGate.IsClosed = !reachable;
        }
    }

    /// <summary>A client whose seeds are every running silo (the first one first).</summary>
    public async Task<RunnelClient> ConnectClientAsync(Func<RunnelClientOptions, RunnelClientOptions>? configure = null)
    {
        var endpoints = RunningSilos.Select(s => s.Endpoint.ToString()).ToList();
        var options = RunnelClientOptions.Default with
        {
            Endpoint = endpoints[0],
            Seeds = endpoints.Skip(1).ToList(),
            ClusterId = ClusterId,
            ClientName = "test-client",
            ResponseTimeout = TimeSpan.FromSeconds(15),
        };
        var client = new RunnelClient(configure?.Invoke(options) ?? options);
        lock (_gate)
        {
            _clients.Add(client);
        }

        await client.ConnectAsync().ConfigureAwait(false);
        return client;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (re-checked every few milliseconds).</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitForAsync(() => Task.FromResult(condition()), timeout, what);
    }

    /// <summary>Waits until the asynchronous <paramref name="condition"/> holds (re-checked every few milliseconds).</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition().ConfigureAwait(false))
        {
            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for: {what}.");
            }

            await Task.Delay(ConditionPoll).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every running silo acts on the same view, whose Active silos are exactly the running ones.</summary>
    public Task WaitForStableViewAsync(TimeSpan timeout) => WaitForAsync(
        () =>
        {
            var running = RunningSilos;
            if (running.Count == 0)
            {
                return true;
            }

            var expected = running.Select(s => s.Address).ToHashSet();
            var version = running[0].Silo.ViewVersion;
            return running.All(s => s.Silo.ViewVersion == version && s.Silo.ActiveSilos.ToHashSet().SetEquals(expected));
        },
        timeout,
        "every running silo to see exactly the running silos Active in one view");

    /// <summary>Disposes the clients and kills every silo still running (no store writes: the cluster id is not reused).</summary>
    public async ValueTask DisposeAsync()
    {
        List<RunnelClient> clients;
        lock (_gate)
        {
            clients = [.. _clients];
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(Silos.Select(KillSiloAsync)).ConfigureAwait(false);
    }

    private static async Task DisposeHostAsync(IHost host)
    {
        if (host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }
}
