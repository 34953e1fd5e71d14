using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Runnel.Client.Internal;
using Runnel.Grains;

namespace Runnel.Client;

/// <summary>Consumer groups: subscriptions, the partition callbacks, commits and closing.</summary>
public sealed partial class Consumer<TKey, TValue>
{
    private readonly ConcurrentQueue<GroupEvent> _groupEvents = new();
    private readonly Dictionary<TopicPartition, long> _lastCommitted = [];
    private GroupMembership? _membership;
    private ITimer? _autoCommitTimer;
    private Task _autoCommit = Task.CompletedTask;
    private long _lastPoll;
    private long _lastAutoCommit;
    private volatile bool _waitingInPoll;

    /// <inheritdoc />
    public Func<IReadOnlyList<TopicPartition>, ValueTask>? PartitionsAssigned { get; set; }

    /// <inheritdoc />
    public Func<IReadOnlyList<TopicPartition>, ValueTask>? PartitionsRevoked { get; set; }

    /// <inheritdoc />
    public Func<IReadOnlyList<TopicPartition>, ValueTask>? PartitionsLost { get; set; }

    /// <inheritdoc />
    public IReadOnlyList<string> Subscription { get; private set; } = [];

    /// <inheritdoc />
    public string MemberId => _membership?.MemberId ?? "";

    /// <inheritdoc />
    public int MemberEpoch => _membership?.MemberEpoch ?? 0;

    /// <inheritdoc />
    public ConsumerGroupMetadata GroupMetadata
    {
        get
        {
            var groupId = Options.GroupId ?? throw new InvalidOperationException("GroupMetadata needs ConsumerOptions.GroupId.");
            return _membership is { } membership
                ? new ConsumerGroupMetadata(groupId, membership.MemberId, membership.MemberEpoch)
                : new ConsumerGroupMetadata(groupId, "", -1);
        }
    }

    /// <inheritdoc />
    public void Subscribe(IEnumerable<string> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var list = topics.Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0 || list.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Subscribe needs at least one topic, and no empty names.", nameof(topics));
        }

        Membership().Subscribe(list, null);
        Subscription = list;
    }

    /// <inheritdoc />
    public void Subscribe(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Membership().Subscribe([], pattern.ToString());
        Subscription = [];
    }

    /// <inheritdoc />
    public void Unsubscribe()
    {
        Membership().Subscribe([], null);
        Subscription = [];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TopicPartitionOffset>> CommitAsync(CancellationToken cancellationToken = default)
    {
        var positions = ConsumedPositions(null);
        await CommitAsync(positions, cancellationToken).ConfigureAwait(false);
        return positions;
    }

    /// <inheritdoc />
    public async Task CommitAsync(IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var groupId = Options.GroupId ?? throw new InvalidOperationException("Committing needs ConsumerOptions.GroupId.");
        var list = offsets.ToList();
        foreach (var o in list)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(o.Offset.Value, "offsets[].Offset");
        }

        if (list.Count == 0)
        {
            return;
        }

        var request = list.Select(o => new CommittedOffset(o.Topic, o.Partition, o.Offset, null)).ToList();
        if (_membership is { } membership)
        {
            await membership.CommitAsync(request, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await CommitStandaloneAsync(groupId, request, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (var o in list)
            {
                _lastCommitted[o.TopicPartition] = o.Offset;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<TopicPartitionOffset> Commit() => CommitAsync().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task<IReadOnlyList<TopicPartitionOffset>> CommittedAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var groupId = Options.GroupId ?? throw new InvalidOperationException("Reading committed offsets needs ConsumerOptions.GroupId.");
        var grain = _grains.GetGrain<IConsumerGroupGrain>(groupId);
        var offsets = await grain.FetchOffsetsAsync([.. partitions.Select(p => new GroupPartition(p.Topic, p.Partition))], cancellationToken).ConfigureAwait(false);
        return [.. offsets.Select(o => new TopicPartitionOffset(o.Topic, o.Partition, o.Offset))];
    }

    private GroupMembership Membership()
    {
        if (Options.GroupId is null)
        {
            throw new InvalidOperationException("Subscribe needs ConsumerOptions.GroupId.");
        }

        lock (_gate)
        {
            if (_membership is null && _partitions.Count > 0)
            {
                throw new InvalidOperationException("This consumer has partitions assigned by hand: it cannot also subscribe.");
            }

            return _membership ??= new GroupMembership(_grains, Options, SinceLastPoll, PostGroupEvent, _logger);
        }
    }

    private TimeSpan SinceLastPoll() => _waitingInPoll ? TimeSpan.Zero : _time.GetElapsedTime(Interlocked.Read(ref _lastPoll));

    private void PostGroupEvent(GroupEvent e)
    {
        _groupEvents.Enqueue(e);
        _chunks.Writer.TryWrite(null); // wakes a poll waiting for records
    }

    /// <summary>Starts the membership at the first poll.</summary>
    private void StartGroup()
    {
        Interlocked.Exchange(ref _lastPoll, _time.GetTimestamp());
        if (_membership is null)
        {
            return;
        }

        _lastAutoCommit = _time.GetTimestamp();
        if (Options.EnableAutoCommit && _autoCommitTimer is null)
        {
            // wakes an idle poll so that what it consumed last is committed without waiting for the next record
            _autoCommitTimer = _time.CreateTimer(_ => _chunks.Writer.TryWrite(null), null, Options.AutoCommitInterval, Options.AutoCommitInterval);
        }

        _membership.Start();
    }

    /// <summary>The application polled: applies the group's changes (with their callbacks) and auto-commits when due.</summary>
    private async ValueTask OnPollAsync()
    {
        Interlocked.Exchange(ref _lastPoll, _time.GetTimestamp());
        if (_membership is not { } membership)
        {
            return;
        }

        membership.Polled();
        while (_groupEvents.TryDequeue(out var e))
        {
            switch (e.Kind)
            {
                case GroupEventKind.Assigned:
                    lock (_gate)
                    {
                        foreach (var p in e.Partitions)
                        {
                            var committed = e.Committed?.GetValueOrDefault(p, Offset.UnsetValue) ?? Offset.UnsetValue;
                            if (_partitions.TryGetValue(p, out var old))
                            {
                                RemoveLocked(old);
                            }

                            var state = new FetchState(p, _grains.GetGrain<IPartitionGrain>(p.GrainKey));
                            _partitions.Add(p, state);
                            if (committed >= 0)
                            {
                                _lastCommitted[p] = committed;
                            }
                            else
                            {
                                _lastCommitted.Remove(p);
                            }

                            SeekLocked(state, committed);
                        }
                    }

                    await InvokeAsync(PartitionsAssigned, e.Partitions, nameof(PartitionsAssigned)).ConfigureAwait(false);
                    break;
                case GroupEventKind.Revoke:
                    await InvokeAsync(PartitionsRevoked, e.Partitions, nameof(PartitionsRevoked)).ConfigureAwait(false);
                    if (Options.EnableAutoCommit)
                    {
                        await _autoCommit.ConfigureAwait(false); // an older commit must not land after this one

                        await AutoCommitAsync(e.Partitions, wait: true).ConfigureAwait(false);
                    }

                    Drop(e.Partitions);
                    membership.Released(e.Partitions);
                    break;
                case GroupEventKind.Lost:
                    Drop(e.Partitions);
                    await InvokeAsync(PartitionsLost, e.Partitions, nameof(PartitionsLost)).ConfigureAwait(false);
                    break;
                case GroupEventKind.Failed:
                    throw e.Error!;
            }
        }

        if (Options.EnableAutoCommit && _time.GetElapsedTime(_lastAutoCommit) >= Options.AutoCommitInterval && _autoCommit.IsCompleted && !_disposed.IsCancellationRequested)
        {
            _lastAutoCommit = _time.GetTimestamp();
            _autoCommit = AutoCommitAsync(null, wait: false);
        }
    }

    private void Drop(IReadOnlyList<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                if (_partitions.TryGetValue(p, out var state))
                {
                    RemoveLocked(state);
                }

                _lastCommitted.Remove(p);
            }
        }
    }

    /// <summary>The positions of consumed-from partitions (all, or <paramref name="only"/>) that moved since their last
    /// commit, in a group only those the member still owns.</summary>
    private List<TopicPartitionOffset> ConsumedPositions(IReadOnlyList<TopicPartition>? only, bool changedOnly = false)
    {
        lock (_gate)
        {
            var states = only is null ? _partitions.Values.ToList() : [.. only.Select(p => _partitions.GetValueOrDefault(p)).OfType<FetchState>()];
            return [.. states
                .Where(s => s.Position >= 0 && (_membership is null || _membership.Owns(s.Partition)))
                .Where(s => !changedOnly || _lastCommitted.GetValueOrDefault(s.Partition, -1) != s.Position)
                .Select(s => new TopicPartitionOffset(s.Partition, s.Position))];
        }
    }

    /// <summary>Commits what moved; errors are logged (the next commit carries the same positions again).</summary>
    private async Task AutoCommitAsync(IReadOnlyList<TopicPartition>? only, bool wait)
    {
        var positions = ConsumedPositions(only, changedOnly: true);
        if (positions.Count == 0)
        {
            return;
        }

        if (!wait)
        {
            await Task.Yield();
        }

        try
        {
            using var timeout = new CancellationTokenSource(Options.SessionTimeout);
            await CommitAsync(positions, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            LogAutoCommitFailed(_logger, Options.GroupId!, ex.Message);
        }
    }

    private async ValueTask InvokeAsync(Func<IReadOnlyList<TopicPartition>, ValueTask>? handler, IReadOnlyList<TopicPartition> partitions, string name)
    {
        if (handler is null || partitions.Count == 0)
        {
            return;
        }

        try
        {
            await handler(partitions).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(_logger, name, ex);
        }
    }

    /// <summary>Closing a group member: the revoked callback, the last auto-commit, and leaving, bounded by
    /// <see cref="ConsumerOptions.CloseTimeout"/>.</summary>
    private async Task CloseGroupAsync()
    {
        if (_membership is not { } membership)
        {
            return;
        }

        _autoCommitTimer?.Dispose();
        using var timeout = new CancellationTokenSource(Options.CloseTimeout);
        try
        {
            await membership.StopAsync().ConfigureAwait(false);
            await _autoCommit.WaitAsync(timeout.Token).ConfigureAwait(false);
            var owned = Assignment.Where(membership.Owns).ToList();
            await InvokeAsync(PartitionsRevoked, owned, nameof(PartitionsRevoked)).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
            if (Options.EnableAutoCommit)
            {
                var positions = ConsumedPositions(null, changedOnly: true);
                if (positions.Count > 0)
                {
                    await membership.CommitAsync([.. positions.Select(o => new CommittedOffset(o.Topic, o.Partition, o.Offset, null))], timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            LogAutoCommitFailed(_logger, Options.GroupId!, "on close: " + ex.Message);
        }

        await membership.LeaveAsync(timeout.Token).ConfigureAwait(false);
        await membership.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Tests: stops fetching and heartbeating at once without committing or leaving, as a killed process would.
    /// An auto-commit already sent is let finish (as a killed process's last request may still land) before this
    /// returns, and none starts afterwards, so the group's commits are final once it has returned.</summary>
    internal async Task CrashAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        _chunks.Writer.TryComplete();
        _autoCommitTimer?.Dispose();
        if (_membership is { } membership)
        {
            await membership.StopAsync().ConfigureAwait(false);
        }

        await _autoCommit.ConfigureAwait(false);
    }

    private async Task CommitStandaloneAsync(string groupId, IReadOnlyList<CommittedOffset> offsets, CancellationToken cancellationToken)
    {
        var grain = _grains.GetGrain<IConsumerGroupGrain>(groupId);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await grain.CommitOffsetsAsync(new OffsetCommitRequest("", -1, offsets), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RunnelException ex) when (Errors.IsRetriable(ex) && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Errors.Backoff(attempt, Options.RetryBackoff, Options.RetryBackoffMax), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
