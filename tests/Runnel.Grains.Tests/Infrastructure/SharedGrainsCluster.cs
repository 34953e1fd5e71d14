using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// One <see cref="GrainsCluster"/> (one silo) that the tests of a class take turns on, each on a fresh store of its own:
/// starting a silo and its client takes about a second, more than most tests spend on what they test. A test attaches
/// its store (<see cref="AttachAsync"/>) and detaches at its end (<see cref="DetachAsync"/>), which deactivates every
/// grain (each hands its log back into that test's store), so the next test meets only fresh activations, as on a new
/// silo. A grain that would not go (still busy) or a cluster the test stopped gets the next test a new silo. The
/// cluster's membership lives in a directory of the fixture's own.
/// </summary>
public abstract class SharedGrainsCluster : IAsyncLifetime
{
    private readonly TempDirectory _membershipDirectory = new("membership");
    private readonly SwitchableObjectStore _store = new();
    private GrainsCluster? _cluster;

    /// <summary>The grains' clock; the system clock when null.</summary>
    public virtual TimeProvider? Time => null;

    /// <summary>A cluster with only fresh activations, on <paramref name="store"/>.</summary>
    public async Task<GrainsCluster> AttachAsync(IObjectStore store)
    {
        _store.Target = store;
        if (_cluster is null)
        {
            _cluster = await GrainsCluster.StartAsync(_store, Configure, Time, membership: new FileObjectStore(_membershipDirectory.Path));
        }
        else if (_cluster.IsStopped)
        {
            await _cluster.RestartAsync();
        }

        return _cluster;
    }

    /// <summary>Deactivates every grain on the store the test attached; stops the silo when one would not go.</summary>
    public async Task DetachAsync()
    {
        if (_cluster is { IsStopped: false } cluster && !await cluster.TryDeactivateAllAsync())
        {
            await cluster.StopAsync();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        _membershipDirectory.Dispose();
    }

    /// <summary>Grain options.</summary>
    protected virtual void Configure(RunnelGrainsOptions options)
    {
    }
}
