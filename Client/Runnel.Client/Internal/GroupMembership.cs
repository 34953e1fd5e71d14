using Microsoft.Extensions.Logging;
using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <summary>
/// A consumer's membership in its group: the heartbeat loop (independent of the application's polling), the member's
/// id and epoch, the partitions it owns, and the group calls that need them (commit, leave).
/// </summary>
/// <remarks>
/// <para>Each heartbeat reports the subscription and the partitions owned right now and is answered with the partitions
/// the member may own. Partitions owned but no longer assigned are posted as <see cref="GroupEventKind.Revoke"/>; they
/// stay owned (and reported) until the consuming loop calls <see cref="Released"/>, which sends the next heartbeat at
/// once. Newly assigned partitions have their committed offsets read first and are then posted as
/// <see cref="GroupEventKind.Assigned"/>. <see cref="RunnelErrorCode.FencedMember"/>, <see cref="RunnelErrorCode.UnknownMember"/>
/// and <see cref="RunnelErrorCode.MaxPollIntervalExceeded"/> post <see cref="GroupEventKind.Lost"/> and rejoin with
/// epoch 0 (after a max-poll expiry only once the application polls again). A coordinator that cannot be reached for a
/// whole session timeout is treated the same way for the partitions (lost: another member may have them now), while the
/// member keeps heartbeating with its id until the group answers.</para>
/// <para>Thread-safe: the loop, the consuming loop and commit callers share the state under one lock.</para>
/// </remarks>
internal sealed partial class GroupMembership : IAsyncDisposable
{
    private const int CommittedOffsetAttempts = 5;

    /// <summary>Commit attempts on retriable errors: with the backoff capped at <see cref="ConsumerOptions.RetryBackoffMax"/>
    /// (1 s by default) this rides out a group grain moving to another silo, and still ends.</summary>
    private const int CommitAttempts = 10;
    private readonly IConsumerGroupGrain _grain;
    private readonly ConsumerOptions _options;
    private readonly Func<TimeSpan> _sinceLastPoll;
    private readonly Action<GroupEvent> _post;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<GroupPartition> _owned = [];
    private readonly HashSet<GroupPartition> _revoking = [];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<string> _topics = [];
    private string? _pattern;
    private string _memberId = "";
    private int _memberEpoch;
    private int _generation;
    private bool _awaitingPoll;
    private TimeSpan _heartbeatInterval;
    private Task? _loop;

    public GroupMembership(IGrainFactory grains, ConsumerOptions options, Func<TimeSpan> sinceLastPoll, Action<GroupEvent> post, ILogger logger)
    {
        _options = options;
        _grain = grains.GetGrain<IConsumerGroupGrain>(options.GroupId ?? throw new ArgumentException("A group membership needs ConsumerOptions.GroupId."));
        _sinceLastPoll = sinceLastPoll;
        _post = post;
        _logger = logger;
        _heartbeatInterval = options.SessionTimeout / 3;
    }

    public string GroupId => _options.GroupId!;

    /// <summary>The member id the group gave (empty before the first answer and after being fenced).</summary>
    public string MemberId
    {
        get
        {
            lock (_gate)
            {
                return _memberId;
            }
        }
    }

    public int MemberEpoch
    {
        get
        {
            lock (_gate)
            {
                return _memberEpoch;
            }
        }
    }

    /// <summary>Sets the subscription (topics, or a regular expression over topic names) and heartbeats at once.</summary>
    public void Subscribe(IReadOnlyList<string> topics, string? pattern)
    {
        lock (_gate)
        {
            _topics = topics;
            _pattern = pattern;
        }

        Wake();
    }

    /// <summary>Starts the heartbeat loop (once).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _loop ??= Task.Run(() => RunAsync(_stop.Token));
        }
    }

    /// <summary>The application polled: a member that lost its partitions to the max poll interval rejoins now.</summary>
    public void Polled()
    {
        bool wake;
        lock (_gate)
        {
            wake = _awaitingPoll;
            _awaitingPoll = false;
        }

        if (wake)
        {
            Wake();
        }
    }

    /// <summary>The consuming loop stopped these partitions (and committed them when it should): the next heartbeat, sent
    /// at once, no longer reports them owned.</summary>
    public void Released(IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                var gp = new GroupPartition(p.Topic, p.Partition);
                _revoking.Remove(gp);
                _owned.Remove(gp);
            }
        }

        Wake();
    }

    /// <summary>True when the member owns <paramref name="partition"/> and it is not being revoked.</summary>
    public bool Owns(TopicPartition partition)
    {
        var gp = new GroupPartition(partition.Topic, partition.Partition);
        lock (_gate)
        {
            return _owned.Contains(gp);
        }
    }

    /// <summary>Commits offsets at the member's current epoch, retrying retriable errors (up to <see cref="CommitAttempts"/>
    /// attempts) and a stale epoch when a heartbeat moved it on meanwhile.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.UnknownMember"/> while the member is not in the group
    /// (it is rejoining); the group's own errors (<see cref="RunnelErrorCode.OffsetCommitRejected"/>, ...).</exception>
    public async Task CommitAsync(IReadOnlyList<CommittedOffset> offsets, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string memberId;
            int epoch;
            lock (_gate)
            {
                memberId = _memberId;
                epoch = _memberEpoch;
            }

            if (memberId.Length == 0)
            {
                throw new RunnelException(RunnelErrorCode.UnknownMember,
                    $"This consumer is not a member of group {GroupId} right now (it is joining or rejoining): nothing was committed.");
            }

            try
            {
                await _grain.CommitOffsetsAsync(new OffsetCommitRequest(memberId, epoch, offsets), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RunnelException ex) when (ex.Code == RunnelErrorCode.FencedMember && MemberEpoch != epoch && attempt < 3)
            {
                // a heartbeat moved the epoch on while the commit was in flight: commit again at the new one
            }
            catch (RunnelException ex) when (Errors.IsRetriable(ex) && attempt + 1 < CommitAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Errors.Backoff(attempt, _options.RetryBackoff, _options.RetryBackoffMax), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the heartbeat loop, then leaves the group (temporarily for a static member), retrying retriable
    /// errors until <paramref name="cancellationToken"/>. Errors are logged, not thrown: the session expires anyway.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await StopAsync().ConfigureAwait(false);
        string memberId;
        int epoch;
        lock (_gate)
        {
            memberId = _memberId;
            epoch = _memberEpoch;
            _owned.Clear();
            _revoking.Clear();
        }

        if (memberId.Length == 0)
        {
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _grain.LeaveAsync(memberId, epoch, temporary: _options.InstanceId is not null, cancellationToken).ConfigureAwait(false);
                LogLeft(_logger, GroupId, memberId);
                return;
            }
            catch (RunnelException ex) when (Errors.IsRetriable(ex) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Errors.Backoff(attempt, _options.RetryBackoff, _options.RetryBackoffMax), cancellationToken).ConfigureAwait(false);
            }
            catch (RunnelException ex) when (ex.Code is RunnelErrorCode.UnknownMember or RunnelErrorCode.FencedMember)
            {
                return; // already out of the group
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
            {
                LogLeaveFailed(_logger, GroupId, memberId, ex.Message);
                return;
            }
        }
    }

    /// <summary>Stops the heartbeat loop without leaving (the session then expires on the group's side).</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        Task? loop;
        lock (_gate)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
            // already signalled, or closed
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var attempt = 0;
        var lastAnswer = TimeProvider.System.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                bool awaitingPoll;
                lock (_gate)
                {
                    awaitingPoll = _awaitingPoll;
                }

                if (awaitingPoll)
                {
                    await _wake.WaitAsync(stop).ConfigureAwait(false);
                    continue;
                }

                var request = Request();

                // A join (no member id yet) is not cancelled by a stop: the group may register the member anyway, and
                // only its answer tells the id that LeaveAsync (which waits for this loop) must leave with; cut short,
                // the member would stay in the group until its session expired. Later heartbeats stop at once.
                using var call = request.MemberId.Length == 0 ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(stop);
                call.CancelAfter(_options.SessionTimeout / 2);
                var response = await _grain.HeartbeatAsync(request, call.Token).ConfigureAwait(false);
                attempt = 0;
                lastAnswer = TimeProvider.System.GetTimestamp();
                lock (_gate)
                {
                    if (_memberId != response.MemberId || _memberEpoch != response.MemberEpoch)
                    {
                        LogEpoch(_logger, GroupId, response.MemberId, response.MemberEpoch, response.Assignment.Count);
                    }

                    _memberId = response.MemberId;
                    _memberEpoch = response.MemberEpoch;
                    _heartbeatInterval = response.HeartbeatInterval > TimeSpan.Zero ? response.HeartbeatInterval : _options.SessionTimeout / 3;
                    wait = _heartbeatInterval;
                }

                if (await ReconcileAsync(response.Assignment, stop).ConfigureAwait(false))
                {
                    wait = TimeSpan.Zero; // report what was just taken on without waiting a whole interval
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return; // the connection was closed under the consumer
            }
            catch (RunnelException ex) when (ex.Code is RunnelErrorCode.FencedMember or RunnelErrorCode.UnknownMember or RunnelErrorCode.MaxPollIntervalExceeded)
            {
                LogFenced(_logger, GroupId, MemberId, ex.Code, ex.Message);
                Lose(rejoin: true, awaitPoll: ex.Code == RunnelErrorCode.MaxPollIntervalExceeded);
                wait = Errors.Backoff(attempt++, TimeSpan.FromMilliseconds(20), _options.RetryBackoffMax);
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is RunnelException r && Errors.IsRetriable(r))
            {
                var silent = TimeProvider.System.GetElapsedTime(lastAnswer);
                LogHeartbeatRetry(_logger, GroupId, ex.Message, silent);
                if (silent >= _options.SessionTimeout)
                {
                    Lose(rejoin: false, awaitPoll: false); // the group has probably given our partitions away by now
                }

                wait = Errors.Backoff(attempt++, _options.RetryBackoff, _options.RetryBackoffMax);
            }
            catch (RunnelException ex)
            {
                LogHeartbeatFailed(_logger, GroupId, ex.Code, ex.Message);
                Lose(rejoin: true, awaitPoll: false);
                _post(new GroupEvent(GroupEventKind.Failed, [], Error: ex));
                wait = Errors.Backoff(attempt++, _options.RetryBackoff, _options.RetryBackoffMax * 5);
            }

            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await _wake.WaitAsync(wait, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private GroupHeartbeatRequest Request()
    {
        lock (_gate)
        {
            return new GroupHeartbeatRequest(
                _memberId,
                _memberEpoch,
                _options.InstanceId,
                _options.ClientId,
                _topics,
                _pattern,
                _options.Assignor.ToContract(),
                _options.SessionTimeout,
                _options.MaxPollInterval,
                _sinceLastPoll(),
                [.. _owned.Union(_revoking)]);
        }
    }

    /// <summary>Posts revocations for owned partitions no longer assigned and takes on new ones (committed offsets read
    /// first). True when new partitions were taken on.</summary>
    private async Task<bool> ReconcileAsync(IReadOnlyList<GroupPartition> assignment, CancellationToken stop)
    {
        List<GroupPartition> fresh;
        int generation;
        lock (_gate)
        {
            var target = assignment.ToHashSet();
            var revoke = _owned.Where(p => !target.Contains(p) && !_revoking.Contains(p)).ToList();
            if (revoke.Count > 0)
            {
                _revoking.UnionWith(revoke);
                LogRevoking(_logger, GroupId, _memberId, string.Join(",", revoke));
                _post(new GroupEvent(GroupEventKind.Revoke, [.. revoke.Select(ToClient)]));
            }

            fresh = [.. target.Where(p => !_owned.Contains(p))];
            generation = _generation;
        }

        if (fresh.Count == 0)
        {
            return false;
        }

        var committed = await FetchCommittedAsync(fresh, stop).ConfigureAwait(false);
        if (committed is null)
        {
            return false; // the next heartbeat assigns them again
        }

        lock (_gate)
        {
            if (generation != _generation)
            {
                return false; // lost meanwhile
            }

            _owned.UnionWith(fresh);
            LogAssigned(_logger, GroupId, _memberId, string.Join(",", fresh));
            _post(new GroupEvent(GroupEventKind.Assigned, [.. fresh.Select(ToClient)],
                committed.ToDictionary(c => new TopicPartition(c.Topic, c.Partition), c => c.Offset)));
        }

        return true;
    }

    private async Task<IReadOnlyList<CommittedOffset>?> FetchCommittedAsync(IReadOnlyList<GroupPartition> partitions, CancellationToken stop)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var call = CancellationTokenSource.CreateLinkedTokenSource(stop);
                call.CancelAfter(_options.SessionTimeout / 2);
                return await _grain.FetchOffsetsAsync(partitions, call.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && attempt + 1 < CommittedOffsetAttempts
                && (ex is OperationCanceledException || ex is RunnelException r && Errors.IsRetriable(r)))
            {
                await Task.Delay(Errors.Backoff(attempt, _options.RetryBackoff, _options.RetryBackoffMax), stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && ex is OperationCanceledException or RunnelException)
            {
                LogHeartbeatRetry(_logger, GroupId, "reading committed offsets failed: " + ex.Message, TimeSpan.Zero);
                return null;
            }
        }
    }

    /// <summary>Drops every partition (posting them lost) and, when <paramref name="rejoin"/>, forgets the member id and
    /// epoch so that the next heartbeat joins afresh.</summary>
    private void Lose(bool rejoin, bool awaitPoll)
    {
        lock (_gate)
        {
            _generation++;
            var lost = _owned.Union(_revoking).ToList();
            _owned.Clear();
            _revoking.Clear();
            if (rejoin)
            {
                _memberId = "";
                _memberEpoch = 0;
            }

            _awaitingPoll = awaitPoll;
            if (lost.Count > 0)
            {
                LogLost(_logger, GroupId, string.Join(",", lost));
                _post(new GroupEvent(GroupEventKind.Lost, [.. lost.Select(ToClient)]));
            }
        }
    }

    private static TopicPartition ToClient(GroupPartition p) => new(p.Topic, p.Partition);
}
