using System.Diagnostics;
using Runnel.Chaos.History;
using Runnel.Client;

namespace Runnel.Chaos.Workload;

/// <summary>
/// The default consuming side: <see cref="Members"/> members of one consumer group subscribed to the topic (running in
/// the harness process; <see cref="Nemesis.MemberNemesis"/> crashes and restarts them through <see cref="IGroupMembers"/>
/// while the silo nemesis fails the group grain and the partitions over), each
/// recording every record it receives and committing its positions by hand after processing — every
/// <see cref="CommitInterval"/> between records, and when the group revokes partitions from it. Every acknowledged
/// commit is recorded as one <see cref="Commit"/> per partition, under one order over the group (a member's commits
/// are sent one at a time, so its acknowledgements cannot overtake each other). A member whose consuming fails (a
/// non-retriable error) closes and joins again, at most <see cref="MaxRestarts"/> times over the group.
/// </summary>
internal sealed class GroupConsumer(RunnelConnection connection, string topic, int partitions, RunClock clock) : IChaosConsumer, IGroupMembers
{
    public const int Members = 2;

    public const string GroupId = "chaos-group";

    /// <summary>Bounds the restart loops; a group that fails this often is reported, not retried forever.</summary>
    private const int MaxRestarts = 100;

    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RestartBackoff = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan MemberStartTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly List<Delivery> _deliveries = [];
    private readonly List<Commit> _commits = [];
    private readonly long[] _next = new long[partitions];
    private readonly long[] _committed = new long[partitions];
    private readonly Member[] _members = [.. Enumerable.Range(0, Members).Select(i => new Member(i))];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyDictionary<int, long>? _targets;
    private Task[] _loops = [];
    private int _restarts;
    private int _commitFailures;

    public string Name => "group";

    public int MemberCount => Members;

    public int Restarts => Volatile.Read(ref _restarts);

    public int CommitFailures => Volatile.Read(ref _commitFailures);

    public async Task CrashMemberAsync(int index, TimeSpan downFor)
    {
        var member = _members[index];
        if (Volatile.Read(ref member.Consumer) is not { } consumer)
        {
            return; // between two consumers: nothing to crash
        }

        var started = member.NextStart();
        member.DownFor = downFor;
        member.CrashRequested = true;
        await consumer.CrashAsync().ConfigureAwait(false);
        await WaitStartedAsync(started).ConfigureAwait(false);
    }

    public async Task RestartMemberAsync(int index)
    {
        var member = _members[index];
        if (Volatile.Read(ref member.Session) is not { } session)
        {
            return;
        }

        var started = member.NextStart();
        await session.CancelAsync().ConfigureAwait(false);
        await WaitStartedAsync(started).ConfigureAwait(false);
    }

    /// <summary>Bounded: a member that does not come back in time is left to the report (the run's catch-up fails).</summary>
    private async Task WaitStartedAsync(Task started)
    {
        try
        {
            await started.WaitAsync(MemberStartTimeout, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Reported through the catch-up check.
        }
    }

    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    public IReadOnlyList<Commit>? Commits
    {
        get
        {
            lock (_gate)
            {
                return [.. _commits];
            }
        }
    }

    public void Start() => _loops = [.. _members.Select(m => Task.Run(() => LoopAsync(m)))];

    /// <summary>Waits until every partition was delivered and committed up to its high watermark. With no new records
    /// the members' loops commit nothing more, so the positions are committed from here until then.</summary>
    public async Task<bool> CatchUpAndStopAsync(IReadOnlyDictionary<int, long> highWatermarks, TimeSpan timeout)
    {
        lock (_gate)
        {
            _targets = highWatermarks;
            CheckCaughtUpLocked();
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            while (!_caughtUp.Task.IsCompleted && Stopwatch.GetElapsedTime(started) < timeout)
            {
                foreach (var member in _members)
                {
                    if (Volatile.Read(ref member.Consumer) is { } consumer)
                    {
                        await CommitAsync(member, consumer).ConfigureAwait(false);
                    }
                }

                try
                {
                    await _caughtUp.Task.WaitAsync(CommitInterval).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Commit again.
                }
            }

            return _caughtUp.Task.IsCompleted;
        }
        finally
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        foreach (var member in _members)
        {
            member.Commits.Dispose();
        }
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task LoopAsync(Member member)
    {
        var token = _stop.Token;
        var options = ConsumerOptions.Default with
        {
            GroupId = GroupId,
            ClientId = $"chaos-member-{member.Index}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        while (!token.IsCancellationRequested && Restarts <= MaxRestarts)
        {
            var consumer = (Consumer<string, string>)connection.CreateConsumer<string, string>(options); // the concrete one: CrashAsync is internal
            using var session = CancellationTokenSource.CreateLinkedTokenSource(token);
            var crashed = false;
            await using (consumer.ConfigureAwait(false))
            {
                consumer.PartitionsRevoked = async _ => await CommitAsync(member, consumer).ConfigureAwait(false);
                consumer.Subscribe([topic]);
                Volatile.Write(ref member.Consumer, consumer);
                Volatile.Write(ref member.Session, session);
                member.OnStarted();
                try
                {
                    var lastCommit = Stopwatch.GetTimestamp();
                    await foreach (var record in consumer.ConsumeAsync(session.Token).ConfigureAwait(false))
                    {
                        RecordId? id = RecordId.TryParse(record.Message.Value, out var parsed) ? parsed : null;
                        lock (_gate)
                        {
                            _deliveries.Add(new Delivery(record.Partition, record.Offset, id));
                            _next[record.Partition] = Math.Max(_next[record.Partition], record.Offset + 1);
                        }

                        if (Stopwatch.GetElapsedTime(lastCommit) >= CommitInterval)
                        {
                            await CommitAsync(member, consumer).ConfigureAwait(false);
                            lastCommit = Stopwatch.GetTimestamp();
                        }
                    }

                    crashed = member.CrashRequested;
                    if (!crashed)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception) when (member.CrashRequested)
                {
                    // The consumer was crashed under the loop: whatever it threw, the member is gone.
                    crashed = true;
                }
                catch (OperationCanceledException) when (session.IsCancellationRequested)
                {
                    // A graceful restart: the consumer is closed below (revoked callback commits, then it leaves).
                }
                catch (RunnelException)
                {
                    Interlocked.Increment(ref _restarts);
                }
                finally
                {
                    Volatile.Write(ref member.Consumer, null);
                    Volatile.Write(ref member.Session, null);
                }
            }

            // A crashed consumer's dispose is a no-op (it neither commits nor leaves): the group expires its session.
            var pause = crashed ? member.DownFor : session.IsCancellationRequested ? TimeSpan.Zero : RestartBackoff;
            member.CrashRequested = false;
            try
            {
                await Task.Delay(pause, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Commits the member's positions (records it has processed) and records what the group acknowledged; a
    /// refused or failed commit is counted (the next one carries the positions again).</summary>
    private async Task CommitAsync(Member member, Consumer<string, string> consumer)
    {
        await member.Commits.WaitAsync().ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(CommitTimeout);
            var committed = await consumer.CommitAsync(timeout.Token).ConfigureAwait(false);
            var at = clock.Now;
            lock (_gate)
            {
                foreach (var c in committed)
                {
                    _commits.Add(new Commit(_commits.Count + 1, c.Partition, c.Offset, at));
                    _committed[c.Partition] = Math.Max(_committed[c.Partition], c.Offset);
                }

                CheckCaughtUpLocked();
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _commitFailures);
        }
        finally
        {
            member.Commits.Release();
        }
    }

    private void CheckCaughtUpLocked()
    {
        if (_targets is { } targets && targets.All(t => _next[t.Key] >= t.Value && _committed[t.Key] >= t.Value))
        {
            _caughtUp.TrySetResult();
        }
    }

    private sealed class Member(int index)
    {
        public int Index { get; } = index;

        /// <summary>One commit at a time per member.</summary>
        public SemaphoreSlim Commits { get; } = new(1, 1);

        /// <summary>The member's consumer while it is subscribed.</summary>
        public Consumer<string, string>? Consumer;

        /// <summary>Cancelled to restart the member gracefully.</summary>
        public CancellationTokenSource? Session;

        public volatile bool CrashRequested;

        public TimeSpan DownFor;

        private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the member's next consumer has subscribed.</summary>
        public Task NextStart()
        {
            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _started, next);
            return next.Task;
        }

        public void OnStarted() => Volatile.Read(ref _started).TrySetResult();
    }
}
