using System.Collections.Concurrent;
using Orleans.TestingHost;

namespace Runnel.EndToEnd.Tests;

/// <summary>One test's cluster: the Orleans test cluster and each silo's own view of the store, by silo name. A kill
/// cuts the silo off the store before Orleans stops it without a goodbye, so it writes nothing more, as a crashed
/// process would not.</summary>
internal sealed class RunningCluster(InProcessTestCluster cluster, ConcurrentDictionary<string, SiloStore> stores) : IAsyncDisposable
{
    /// <summary>The cluster's client (in-memory transport to the gateways).</summary>
    public IClusterClient Client => cluster.Client;

    /// <summary>The silos that run, in start order.</summary>
    public IReadOnlyList<InProcessSiloHandle> Silos => cluster.Silos;

    /// <summary>Every silo's store that has been used so far, killed silos' included.</summary>
    public ICollection<SiloStore> Stores => stores.Values;

    public async Task KillSiloAsync(InProcessSiloHandle silo)
    {
        if (stores.TryGetValue(silo.Name, out var store))
        {
            store.Cut();
        }

        await cluster.KillSiloAsync(silo);
    }

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
