using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Placement;
using Runnel.Storage;

namespace Runnel.Runtime.Membership;

/// <summary>
/// One silo's membership agent over the blob store: joins, heartbeats, keeps the view current (pushed by writers,
/// polled as a fallback), probes peers, votes them dead, leaves, and stops the silo when it reads itself dead.
/// </summary>
/// <remarks>
/// <para>Every change of the table is read → pure decision (<see cref="MembershipRules"/>) → If-Match write of
/// version + 1; on a conflict it re-reads and decides again after a jittered backoff, and an unknown outcome is
/// resolved the same way (the re-read shows whether the write landed). A successful write is installed and pushed to
/// every live peer; receivers install only newer versions.</para>
/// <para>Clocks. Heartbeat staleness compares a heartbeat blob's Last-Modified with the ServerTime of the same response;
/// votes are stamped and aged with the ServerTime of the table read they were decided on. Neither depends on this
/// silo's clock, which only paces timers and bounds waits.</para>
/// <para>Thread-safety: timers and pushes run concurrently; writes are serialized by a semaphore, installs by a lock.</para>
/// </remarks>
internal sealed partial class MembershipService : IAsyncDisposable
{
    private static readonly TimeSpan CasBackoffMin = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan CasBackoffMax = TimeSpan.FromMilliseconds(200);

    private readonly SiloOptions _silo;
    private readonly MembershipOptions _options;
    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly IFatalErrorHandler _fatal;
    private readonly Catalog _catalog;
    private readonly ILogger _logger;
    private readonly string _tableBlob;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private readonly FailureDetector _detector;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _refreshing;
    private Task _lastPush = Task.CompletedTask;
    private ITimer? _heartbeatTimer;
    private ITimer? _refreshTimer;
    private long _lastStoreSuccess;
    private long _lastStoreFailure;
    private long _joinedVersion;
    private int _fatalOnce;
    private int _heartbeatBusy;
    private volatile bool _leaving;

    public MembershipService(
        IOptions<SiloOptions> silo,
        IOptions<MembershipOptions> options,
        IObjectStore store,
        TimeProvider time,
        IFatalErrorHandler fatal,
        Catalog catalog,
        SiloState state,
        ILoggerFactory loggerFactory)
    {
        _silo = silo.Value;
        _options = options.Value;
        _store = store;
        _time = time;
        _fatal = fatal;
        _catalog = catalog;
        _logger = loggerFactory.CreateLogger<MembershipService>();
        State = state;
        _tableBlob = TableBlobName(_silo.ClusterId);
        State.IsStoreHealthy = IsStoreHealthy;
        State.Refresh = RefreshAsync;
        _detector = new FailureDetector(_options, _time, this, ProbingView, _logger);
        _catalog.Router.PeerConnectionLost += _detector.OnConnectionLost;
    }

    public SiloState State { get; }

    /// <summary>The membership blob of a cluster.</summary>
    public static string TableBlobName(string clusterId) => $"clusters/{clusterId}/membership";

    /// <summary>A silo's heartbeat blob (its id with ':' and '@' made name-safe).</summary>
    public static string HeartbeatBlobName(string clusterId, SiloAddress silo) =>
        $"clusters/{clusterId}/heartbeats/{silo.ToString().Replace(':', '_').Replace('@', '_').Replace('[', '_').Replace(']', '_')}";

    /// <summary>
    /// Joins as Joining: reads the table, evicts silos whose heartbeats are stale (store clock) and that do not answer a
    /// probe (so a cold start after a whole-cluster crash works), makes older generations at this endpoint Dead, and
    /// writes this silo's row with a new generation. Sets <see cref="SiloState.Self"/>. Retries store failures until
    /// <see cref="MembershipOptions.JoinTimeout"/>.
    /// </summary>
    public async Task JoinAsync(IPEndPoint listening, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(_options.JoinTimeout);
        var endpoint = new IPEndPoint(IPAddress.Parse(_silo.AdvertisedAddress ?? _silo.ListenAddress), listening.Port).ToString();
        var (table, _, now) = await ReadWithRetryAsync(timeout.Token).ConfigureAwait(false);
        var evict = await FindEvictableAsync(table, endpoint, now, timeout.Token).ConfigureAwait(false);
        SiloAddress self = default;
        var written = await UpdateAsync(
            (current, storeNow) =>
            {
                var next = MembershipRules.Join(current, endpoint, _silo.SiloName, storeNow, evict, _options.DeadRowsToKeep, out var me, SiloProcessIdentity.Current);
                self = me;
                return next;
            },
            timeout.Token).ConfigureAwait(false);
        State.Self = self;
        _joinedVersion = written!.Version;
        _catalog.Router.ResetChannels();
        await HeartbeatAsync().ConfigureAwait(false);
        LogJoined(_logger, self, written.Version, evict.Count);
    }

    /// <summary>Moves this silo to Active (then it serves) and starts heartbeats, polling and probing.</summary>
    /// <exception cref="RunnelException">The silo was declared dead while joining.</exception>
    public async Task BecomeActiveAsync(CancellationToken cancellationToken)
    {
        var self = State.Self ?? throw new InvalidOperationException("Join first.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(_options.JoinTimeout);
        await UpdateAsync((table, _) => MembershipRules.SetStatus(table, self, SiloStatus.Active, _options.DeadRowsToKeep), timeout.Token).ConfigureAwait(false);
        if (State.IsFatal || State.Snapshot?.Table.StatusOf(self) != SiloStatus.Active)
        {
            throw new RunnelException(RunnelErrorCode.Rejected, $"Silo {self} could not become Active: it is {State.Snapshot?.Table.StatusOf(self)}.");
        }

        _heartbeatTimer = _time.CreateTimer(static s => _ = ((MembershipService)s!).HeartbeatAsync(), this, _options.HeartbeatPeriod, _options.HeartbeatPeriod);
        _refreshTimer = _time.CreateTimer(static s => _ = ((MembershipService)s!).RefreshAsync(0, CancellationToken.None), this, _options.TableRefreshPeriod, _options.TableRefreshPeriod);
        _detector.Start();
        LogActive(_logger, self, State.Snapshot!.Version);
    }

    /// <summary>Graceful shutdown, step 1: stops probing and writes ShuttingDown (this silo then owns nothing; the
    /// pushed view sends callers to the successors at once).</summary>
    public async Task BeginShutdownAsync(CancellationToken cancellationToken)
    {
        if (State.Self is not { } self || State.IsFatal || State.IsKilled)
        {
            return;
        }

        _detector.Stop();
        await UpdateAsync((table, _) => MembershipRules.SetStatus(table, self, SiloStatus.ShuttingDown, _options.DeadRowsToKeep), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Graceful shutdown, last step: writes Dead, waits (bounded) until the peers have the view, and stops
    /// every timer.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        _leaving = true;
        StopTimers();
        if (State.Self is not { } self || State.IsFatal || State.IsKilled)
        {
            return;
        }

        await UpdateAsync((table, _) => MembershipRules.SetStatus(table, self, SiloStatus.Dead, _options.DeadRowsToKeep), cancellationToken).ConfigureAwait(false);
        try
        {
            await _lastPush.WaitAsync(_options.ViewPushTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A peer that does not answer learns the view by polling.
        }

        LogLeft(_logger, self);
    }

    /// <summary>The silo was killed: no more store writes, no more timers.</summary>
    public void Kill()
    {
        State.IsKilled = true;
        StopTimers();
        _stopping.Cancel();
    }

    /// <summary>
    /// Reads the table and installs it when newer; concurrent callers share one read. Waits for a view at least
    /// <paramref name="atLeastVersion"/> new (0: any) with at most two reads. Never throws for store errors.
    /// </summary>
    public async Task RefreshAsync(long atLeastVersion, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (State.IsKilled || (attempt > 0 && atLeastVersion == 0) || (atLeastVersion > 0 && State.Snapshot?.Version >= atLeastVersion))
            {
                return;
            }

            Task refresh;
            lock (_gate)
            {
                refresh = _refreshing ??= RefreshOnceAsync();
            }

            await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A table pushed by a peer after it wrote it: installed when newer.</summary>
    public void OnViewPushed(byte[] table)
    {
        if (State.IsKilled)
        {
            return;
        }

        try
        {
            Install(MembershipJsonContext.ParseTable(table));
        }
        catch (RunnelException ex)
        {
            LogBadPush(_logger, ex.Message);
        }
    }

    /// <summary>Probes <paramref name="target"/> directly: true when it answered within <paramref name="timeout"/>.</summary>
    public async Task<bool> PingAsync(SiloAddress target, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout, _time);
        try
        {
            var mine = State.Snapshot?.Version ?? 0;
            var theirs = await Control(target).PingAsync(mine, cts.Token).ConfigureAwait(false);
            if (theirs > mine)
            {
                _ = RefreshAsync(theirs, CancellationToken.None);
            }

            return true;
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            LogPingFailed(_logger, target, ex.Message);
            return false;
        }
    }

    /// <summary>A silo's application grain count, or -1 when it does not answer within <paramref name="timeout"/>.</summary>
    public async Task<int> GetActivationCountAsync(SiloAddress silo, TimeSpan timeout)
    {
        if (silo == State.Self)
        {
            return _catalog.ActivationCount;
        }

        using var cts = new CancellationTokenSource(timeout, _time);
        try
        {
            return await Control(silo).GetActivationCountAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            return -1;
        }
    }

    /// <summary>Stops the timers and any store call in flight. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        _catalog.Router.PeerConnectionLost -= _detector.OnConnectionLost;
        StopTimers();
        await _stopping.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>The peers a silo probes: the Active and ShuttingDown ones (not itself), at most
    /// <paramref name="max"/>, chosen by a stable hash of (prober, target) so that each silo picks a different subset.</summary>
    internal static IReadOnlyList<SiloAddress> ProbeTargets(MembershipTable table, SiloAddress self, int max)
    {
        var selfHash = StableHash.Of(self.ToString());
        return table.Members
            .Where(m => m.Silo != self && m.Status is SiloStatus.Active or SiloStatus.ShuttingDown)
            .Select(m => m.Silo)
            .OrderBy(s => StableHash.Weight(selfHash, StableHash.Of(s.ToString())))
            .Take(max)
            .ToList();
    }

    private ISiloControlGrain Control(SiloAddress silo) => _catalog.Router.Invoker.GetGrain<ISiloControlGrain>(silo.ToString());

    private bool IsStoreHealthy()
    {
        var success = Volatile.Read(ref _lastStoreSuccess);
        var failure = Volatile.Read(ref _lastStoreFailure);
        return failure == 0 || failure <= success || _time.GetElapsedTime(success) < _options.StoreUnreachableTimeout;
    }

    private void StoreSucceeded() => Volatile.Write(ref _lastStoreSuccess, _time.GetTimestamp());

    private void StoreFailed()
    {
        if (Volatile.Read(ref _lastStoreSuccess) == 0)
        {
            // Never reached the store: the outage counts from now.
            Volatile.Write(ref _lastStoreSuccess, _time.GetTimestamp());
        }

        Volatile.Write(ref _lastStoreFailure, _time.GetTimestamp());
    }

    private void StopTimers()
    {
        _heartbeatTimer?.Dispose();
        _refreshTimer?.Dispose();
        _detector.Stop();
    }
}
