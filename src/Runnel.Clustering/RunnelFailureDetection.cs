using Orleans.Configuration;

namespace Runnel.Clustering;

/// <summary>
/// Failure-detection settings that declare a dead silo in seconds rather than Orleans' default ~12 s, measured on
/// 3 silo processes with kill -9 (shared/research/orleans-10.md): ~1.4 s to the first answer elsewhere on Azure tables,
/// ~1.6 s on a file-backed table, against 11.6-13.6 s with the defaults.
/// </summary>
/// <remarks>
/// Guarding against false deaths under load is left to Orleans' own mechanisms, which stay on: indirect probes (the
/// last probe goes through another silo, whose own health is weighed), <see cref="ClusterMembershipOptions.ExtendProbeTimeoutDuringDegradation"/>
/// (a silo that is itself slow stretches its probe timeouts) and two votes per death. Orleans' connection liveness check
/// is off (<see cref="EnableConnectionLivenessCheck"/>).
/// At machine load ~30 the measured failover stretched to 1-4.6 s, with no false death observed; raise
/// <see cref="ClusterMembershipOptions.ProbeTimeout"/> before lowering the vote count if one appears.
/// </remarks>
public static class RunnelFailureDetection
{
    /// <summary>Initial probe timeout: 1 s (Orleans: 5 s). Orleans adapts it per silo within [Min, Max].</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Lower bound of the adaptive probe timeout: 0.5 s.</summary>
    public static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of the adaptive probe timeout: 2 s (a silo that answers slowly but answers is not suspected).</summary>
    public static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes before a silo suspects another: 2 (Orleans: 3).</summary>
    public const int NumMissedProbesLimit = 2;

    /// <summary>Votes that declare a silo dead: 2, Orleans' default, kept so no single slow silo kills another.</summary>
    public const int NumVotesForDeathDeclaration = 2;

    /// <summary>Period of re-reading the table: 2 s (Orleans: 60 s), so a silo learns of a death it did not vote on
    /// quickly even when gossip is lost. One blob read per silo per period.</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Period of a silo's heartbeat in the table: 5 s (Orleans: 30 s). Three missed ones (15 s) mark the
    /// entry stale. Not lower: every heartbeat is a conditional rewrite of the one membership blob.</summary>
    public static readonly TimeSpan IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Orleans' connection liveness check: off (Orleans: on). On, a vote against a silo is suppressed while
    /// its connection received anything within <see cref="MaxProbeTimeout"/> x <see cref="NumMissedProbesLimit"/> (4 s),
    /// so a hung (SIGSTOPped) silo that was busy until it hung could not be voted dead for 4 s after its last message
    /// whatever the probes said: measured in the chaos harness, the votes came at 4.2-4.3 s instead of 1.3 s after the
    /// SIGSTOP, most of the 3 s failover budget. A killed silo is not affected (its connection closes).</summary>
    public const bool EnableConnectionLivenessCheck = false;

    /// <summary>Sets the fast-failover values on <paramref name="options"/>, leaving everything else as it is.</summary>
    public static void ApplyFastFailover(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = ProbeTimeout;
        options.MinProbeTimeout = MinProbeTimeout;
        options.MaxProbeTimeout = MaxProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration;
        options.TableRefreshTimeout = TableRefreshTimeout;
        options.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
        options.EnableConnectionLivenessCheck = EnableConnectionLivenessCheck;
    }
}
