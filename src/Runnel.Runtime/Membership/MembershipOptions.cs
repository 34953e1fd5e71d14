namespace Runnel.Runtime;

/// <summary>
/// Timings of cluster membership and failure detection. Bind from configuration or set in
/// <see cref="RunnelHostingExtensions.AddRunnelSilo"/>; validated on start (<see cref="MembershipOptionsValidator"/>).
/// </summary>
/// <remarks>
/// <para>Detection with the defaults (the failure detector; measured in the chaos runs of docs/benchmarks.md). A
/// crashed silo: its kernel closes its connections at once, its peers probe it at once, the refused probes are 200 ms
/// apart, the third runs through another silo as well and carries two votes: Dead ~0.4 s after the crash (without the
/// connection signal, within one more <see cref="ProbePeriod"/>). A hung silo (paused, its connections open): three
/// consecutive probes must time out, back to back, so Dead ~3.2–3.6 s after it stopped answering (then a sibling on
/// the same host kills it: <see cref="KillDeadSilosOnSameHost"/>). A silo that answers every probe within
/// <see cref="ProbeTimeout"/>, however slowly, is never suspected, and one silent for less than
/// <c>MissedProbesLimit × ProbeTimeout</c> (3 s: a GC pause, a loaded machine) is not voted out. The pushed view
/// reaches the survivors within one more round trip.</para>
/// <para>Every timing is measured by the silo's <see cref="TimeProvider"/> except heartbeat staleness and vote
/// freshness, which are judged on the store's clock only (Last-Modified and the ServerTime of responses), so a silo's
/// skewed clock cannot make it declare others dead.</para>
/// </remarks>
public sealed class MembershipOptions
{
    /// <summary>How often each Active silo probes its peers over the data connection (after a miss the next probe of
    /// that peer does not wait for the period). Default 500 ms.</summary>
    public TimeSpan ProbePeriod { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a probe waits for its answer (an indirect probe waits twice this). Default 1 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed probes before the prober votes; the last of them also goes indirectly through
    /// another Active silo when there is one (at the same time as the direct one). Default 3.</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>Votes that declare a silo Dead, capped at <c>ceil(live / 2)</c> so that small clusters can decide
    /// (with 2 silos one vote is enough). Default 2.</summary>
    public int VotesForDeath { get; set; } = 2;

    /// <summary>A vote older than this on the store's clock no longer counts. Default 60 s.</summary>
    public TimeSpan VoteExpiration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many peers each silo probes at most (beyond it, a stable pseudo-random subset). Default 10.</summary>
    public int MaxProbedSilos { get; set; } = 10;

    /// <summary>How often a silo writes its heartbeat blob. Default 5 s.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A heartbeat blob older than this (Last-Modified against the store's ServerTime) is stale: a joining
    /// silo probes such silos and evicts the unreachable ones. Default 15 s; at least twice <see cref="HeartbeatPeriod"/>.</summary>
    public TimeSpan HeartbeatStaleAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a silo re-reads the membership blob (views are also pushed on every change; this is the
    /// fallback). Default 5 s.</summary>
    public TimeSpan TableRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After store calls have kept failing for this long (since the last success), the silo stops
    /// acknowledging work: grain calls are refused with a retriable <see cref="RunnelErrorCode.Rejected"/> until the
    /// store answers again. Default 10 s.</summary>
    public TimeSpan StoreUnreachableTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long joining may take (reading, evicting stale rows, the conditional writes) before the silo's
    /// start fails. Default 60 s.</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long pushing a new view to one peer may take. Default 3 s.</summary>
    public TimeSpan ViewPushTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// When this silo writes a view that declares another silo Dead and that silo's process runs on this same host
    /// (same boot id and pid namespace, the pid's start time unchanged; see its membership row), this silo sends it
    /// SIGKILL. A silo declared dead is fenced anyway and ends itself once it runs again; killing it at once frees
    /// what it holds meanwhile (the file store's blob locks: a paused silo holding one blocks the new owner's takeover
    /// of that partition until it resumes). Never kills a process on another host, another boot, or this process
    /// (in-process test clusters). Linux only; logged. Default true.
    /// </summary>
    public bool KillDeadSilosOnSameHost { get; set; } = true;

    /// <summary>Dead rows kept in the table (the newest ones); older ones are dropped when the table is written. Default 25.</summary>
    public int DeadRowsToKeep { get; set; } = 25;
}
