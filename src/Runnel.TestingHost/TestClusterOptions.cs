using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Runnel.Runtime;
using Runnel.Storage;

namespace Runnel.TestingHost;

/// <summary>How an <see cref="InProcessTestCluster"/> builds its silos.</summary>
public sealed class TestClusterOptions
{
    /// <summary>The cluster id (and the membership blob's folder). Default: a fresh unique id.</summary>
    public string ClusterId { get; set; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Silos started by <see cref="InProcessTestCluster.StartAsync"/>. Default 3.</summary>
    public int InitialSilos { get; set; } = 3;

    /// <summary>The store every silo shares (each through its own fault-injection decorator and gate). Required.</summary>
    public IObjectStore? Store { get; set; }

    /// <summary>Membership timings for every silo. Default: small values for fast tests (probes every 100 ms with a
    /// 300 ms timeout, heartbeats every 200 ms, stale after 1 s, polling every 500 ms, store outage bound 1 s).</summary>
    public Action<MembershipOptions> ConfigureMembership { get; set; } = static o =>
    {
        o.ProbePeriod = TimeSpan.FromMilliseconds(100);
        o.ProbeTimeout = TimeSpan.FromMilliseconds(300);
        o.HeartbeatPeriod = TimeSpan.FromMilliseconds(200);
        o.HeartbeatStaleAfter = TimeSpan.FromSeconds(1);
        o.TableRefreshPeriod = TimeSpan.FromMilliseconds(500);
        o.StoreUnreachableTimeout = TimeSpan.FromSeconds(1);
        o.ViewPushTimeout = TimeSpan.FromSeconds(1);
        o.VoteExpiration = TimeSpan.FromSeconds(10);
        o.JoinTimeout = TimeSpan.FromSeconds(20);
    };

    /// <summary>More silo settings (grain types, services) for every silo.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }

    /// <summary>Silo options for every silo, after the cluster's own (cluster id, name, 127.0.0.1, port).</summary>
    public Action<SiloOptions>? ConfigureSiloOptions { get; set; }

    /// <summary>Services added to every silo's host (e.g. one shared journal instance).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>Each silo's clock, by silo index (0, 1, ...). Default: the system clock.</summary>
    public Func<int, TimeProvider>? TimeProviderFactory { get; set; }

    /// <summary>Each silo's logging. Default: none.</summary>
    public Action<int, ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Seeded random store faults for each silo, by index (null: programmed faults only).</summary>
    public Func<int, FaultInjectionOptions?>? StoreFaults { get; set; }
}
