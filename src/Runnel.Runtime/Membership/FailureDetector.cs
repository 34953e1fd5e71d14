using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Membership;

/// <summary>
/// One silo's failure detector: decides when to probe which peer and when to vote it dead. The probes themselves and
/// the vote go through an <see cref="IProbeTransport"/>; every wait is on the given <see cref="TimeProvider"/>, so the
/// timing is testable with fake time.
/// </summary>
/// <remarks>
/// <para>Rules, per target (the Active and ShuttingDown peers of <see cref="MembershipService.ProbeTargets"/>):</para>
/// <list type="bullet">
/// <item>Every <see cref="MembershipOptions.ProbePeriod"/> a target with no probe under way is probed.</item>
/// <item>A probe that fails (no answer within <see cref="MembershipOptions.ProbeTimeout"/>, or the connection was
/// refused) is a miss. After a miss of an Active target the next probe starts at once, not at the next period
/// (but never sooner than <see cref="MinProbeSpacing"/>, or the period when that is shorter, after the previous
/// one started): a hung silo's misses are
/// back to back (each takes the full timeout), a crashed silo's refused probes are <see cref="MinProbeSpacing"/>
/// apart. A ShuttingDown target is probed only on the period (it is handing over and will write Dead itself).</item>
/// <item>The probe that would reach <see cref="MembershipOptions.MissedProbesLimit"/> runs a direct ping and an
/// indirect one through another Active silo (whose own probes of it are fine) at the same time. Any answer, direct or
/// through the intermediary, resets the count. Otherwise the count reaches the limit and the prober votes, with the
/// intermediary as a second voter when it confirmed the target unreachable.</item>
/// <item>When this silo's connection to an Active target closes (a crashed process's socket is closed by its kernel at
/// once), the target is probed at once instead of at the next period.</item>
/// </list>
/// <para>What this guarantees: a target that answers each probe within the timeout is never suspected, however slow;
/// a vote needs <see cref="MembershipOptions.MissedProbesLimit"/> consecutive probes unanswered, which for a silo that
/// stops answering (paused, GC) takes that many full timeouts of silence (3 s with the defaults), and a second silo
/// must confirm it for the vote to carry two votes.</para>
/// <para>Thread-safety: ticks, connection signals and probe continuations run concurrently; each target has at most one
/// probe loop (an interlocked flag).</para>
/// </remarks>
internal sealed partial class FailureDetector : IDisposable
{
    /// <summary>The shortest time between the starts of two probes of one target. Refused connections fail in
    /// microseconds; spacing them keeps a crashed silo's three misses spread over ~0.4 s (a listener that is being
    /// restarted, or a connection reset that a reconnect repairs, has that long to answer) instead of a burst.</summary>
    public static readonly TimeSpan MinProbeSpacing = TimeSpan.FromMilliseconds(200);

    private readonly MembershipOptions _options;
    private readonly TimeProvider _time;
    private readonly IProbeTransport _transport;
    private readonly Func<(SiloAddress Self, MembershipTable Table)?> _view;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SiloAddress, ProbeState> _probes = new();
    private ITimer? _timer;
    private volatile bool _stopped;

    /// <summary>Creates a stopped detector; <see cref="Start"/> begins the periodic probing.</summary>
    /// <param name="options">The probe timings.</param>
    /// <param name="time">Paces every probe, timeout and wait.</param>
    /// <param name="transport">Probes and votes.</param>
    /// <param name="view">This silo and its current table while it should probe (Active, not leaving, not fatal);
    /// null otherwise.</param>
    /// <param name="logger">Misses and connection signals.</param>
    public FailureDetector(MembershipOptions options, TimeProvider time, IProbeTransport transport, Func<(SiloAddress Self, MembershipTable Table)?> view, ILogger logger)
    {
        _options = options;
        _time = time;
        _transport = transport;
        _view = view;
        _logger = logger;
    }

    /// <summary>Starts the periodic probing (the first round after one period).</summary>
    public void Start()
    {
        _timer = _time.CreateTimer(static s => ((FailureDetector)s!).Tick(), this, _options.ProbePeriod, _options.ProbePeriod);
    }

    /// <summary>Stops probing for good: no new probe starts and no further vote is written. Idempotent.</summary>
    public void Stop()
    {
        _stopped = true;
        _timer?.Dispose();
    }

    public void Dispose() => Stop();

    /// <summary>Consecutive misses of <paramref name="target"/> so far (0 when it answered last or is not probed).</summary>
    public int MissesOf(SiloAddress target) => _probes.TryGetValue(target, out var state) ? state.Misses : 0;

    /// <summary>One round: probes every target that has no probe under way; forgets targets no longer probed.</summary>
    public void Tick()
    {
        if (_stopped || _view() is not { } view)
        {
            return;
        }

        var targets = MembershipService.ProbeTargets(view.Table, view.Self, _options.MaxProbedSilos);
        foreach (var silo in _probes.Keys)
        {
            if (!targets.Contains(silo))
            {
                _probes.TryRemove(silo, out _);
            }
        }

        foreach (var target in targets)
        {
            StartIfIdle(view.Self, target);
        }
    }

    /// <summary>This silo's connection to <paramref name="silo"/> closed without being asked to: when it is an Active
    /// target, probe it now (a crashed peer is refused at once; a live one answers and nothing changes).</summary>
    public void OnConnectionLost(SiloAddress silo)
    {
        if (_stopped || _view() is not { } view || view.Table.StatusOf(silo) != SiloStatus.Active
            || !MembershipService.ProbeTargets(view.Table, view.Self, _options.MaxProbedSilos).Contains(silo))
        {
            return;
        }

        LogConnectionLost(_logger, silo);
        StartIfIdle(view.Self, silo);
    }

    private void StartIfIdle(SiloAddress self, SiloAddress target)
    {
        var state = _probes.GetOrAdd(target, static _ => new ProbeState());
        if (Interlocked.Exchange(ref state.InFlight, 1) == 0)
        {
            _ = ProbeLoopAsync(self, target, state);
        }
    }

    /// <summary>Probes <paramref name="target"/> until it answers, a vote is written, or it is no longer an Active
    /// target; the next probe after a miss starts at once (at most every <see cref="MinProbeSpacing"/>, on a timer of
    /// the time provider, so that fake time drives it too).</summary>
    private async Task ProbeLoopAsync(SiloAddress self, SiloAddress target, ProbeState state)
    {
        var retryScheduled = false;
        try
        {
            while (!_stopped)
            {
                if (_view() is not { } view || view.Self != self)
                {
                    return;
                }

                var status = view.Table.StatusOf(target);
                if (status is not (SiloStatus.Active or SiloStatus.ShuttingDown))
                {
                    return;
                }

                var started = _time.GetUtcNow();
                var via = state.Misses >= _options.MissedProbesLimit - 1 ? PickIntermediary(view.Table, self, target) : null;
                var (answered, confirmedBy) = await ProbeOnceAsync(target, via).ConfigureAwait(false);
                if (answered)
                {
                    state.Misses = 0;
                    return;
                }

                state.Misses++;
                LogProbeMissed(_logger, target, state.Misses, via is null ? "direct" : $"direct and through {via}");
                if (state.Misses >= _options.MissedProbesLimit)
                {
                    if (!_stopped)
                    {
                        await _transport.SuspectAsync(target, confirmedBy is { } second ? [self, second] : [self]).ConfigureAwait(false);
                    }

                    return;
                }

                if (status != SiloStatus.Active)
                {
                    return;
                }

                var spacing = MinProbeSpacing < _options.ProbePeriod ? MinProbeSpacing : _options.ProbePeriod;
                var wait = spacing - (_time.GetUtcNow() - started);
                if (wait > TimeSpan.Zero)
                {
                    retryScheduled = true;
                    var retry = new RetryTimer(this, self, target, state);
                    retry.Arm(_time, wait);
                    return;
                }
            }
        }
        finally
        {
            if (!retryScheduled)
            {
                Volatile.Write(ref state.InFlight, 0);
            }
        }
    }

    /// <summary>A direct ping, and with <paramref name="via"/> an indirect one at the same time. Answered when either
    /// reached the target; else the intermediary that confirmed it unreachable (null when there was none, or it did
    /// not answer itself).</summary>
    private async Task<(bool Answered, SiloAddress? ConfirmedBy)> ProbeOnceAsync(SiloAddress target, SiloAddress? via)
    {
        var direct = _transport.PingAsync(target, _options.ProbeTimeout);
        if (via is not { } intermediary)
        {
            return (await direct.ConfigureAwait(false), null);
        }

        var indirect = _transport.ProbeIndirectAsync(intermediary, target, _options.ProbeTimeout);
        var first = await Task.WhenAny(direct, indirect).ConfigureAwait(false);
        if ((first == direct && direct.Result) || (first == indirect && indirect.Result == true))
        {
            return (true, null);
        }

        await Task.WhenAll(direct, indirect).ConfigureAwait(false);
        if (direct.Result || indirect.Result == true)
        {
            return (true, null);
        }

        return (false, indirect.Result == false ? intermediary : null);
    }

    private SiloAddress? PickIntermediary(MembershipTable table, SiloAddress self, SiloAddress target)
    {
        var candidates = table.Members
            .Where(m => m.Status == SiloStatus.Active && m.Silo != self && m.Silo != target && (!_probes.TryGetValue(m.Silo, out var p) || p.Misses == 0))
            .Select(m => m.Silo)
            .ToList();
        return candidates.Count == 0 ? null : candidates[Random.Shared.Next(candidates.Count)];
    }

    [LoggerMessage(610, LogLevel.Information, "Probe of {Silo} missed ({Misses} in a row, {Path})")]
    private static partial void LogProbeMissed(ILogger logger, SiloAddress silo, int misses, string path);

    [LoggerMessage(613, LogLevel.Debug, "The connection to {Silo} closed: probing it now")]
    private static partial void LogConnectionLost(ILogger logger, SiloAddress silo);

    /// <summary>Continues a target's probe loop once (its in-flight flag stays set meanwhile).</summary>
    private sealed class RetryTimer(FailureDetector owner, SiloAddress self, SiloAddress target, ProbeState state)
    {
        private ITimer? _timer;

        public void Arm(TimeProvider time, TimeSpan wait) =>
            _timer = time.CreateTimer(static s => ((RetryTimer)s!).Fire(), this, wait, Timeout.InfiniteTimeSpan);

        private void Fire()
        {
            _timer?.Dispose();
            _ = owner.ProbeLoopAsync(self, target, state);
        }
    }

    /// <summary>Probe bookkeeping for one target.</summary>
    private sealed class ProbeState
    {
        public int InFlight;

        public volatile int Misses;
    }
}
