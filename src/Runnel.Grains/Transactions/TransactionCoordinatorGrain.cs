using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Runnel.Grains.Internal;
using Runnel.Grains.State;

namespace Runnel.Grains;

/// <summary>
/// The transaction coordinator of one transactional id (<see cref="ITransactionCoordinatorGrain"/>): its producer id and
/// epoch and its open transaction, as grain state <see cref="TransactionCoordinatorState"/> in grain storage
/// <c>runnel</c>, written under the ETag this activation last read (a second activation's write is refused, so two can
/// never both decide).
/// </summary>
/// <remarks>
/// <para>Two-phase end: the decision (<see cref="TransactionStatus.PrepareCommit"/> / <see cref="TransactionStatus.PrepareAbort"/>,
/// with the marker epoch and the next identity) is written first; then a marker goes to every partition and group of the
/// transaction, in parallel, each retried on retriable errors for up to <see cref="MarkerBudget"/>; then the completion
/// is written. Whatever is left unwritten (the budget ran out, the silo died) is finished by a retry of the call, by
/// this activation's timer every <see cref="MarkerRetryInterval"/>, by the next activation, or by the silos' sweep
/// (<see cref="TransactionSweeper"/>) calling <see cref="ExpireAsync"/>. Markers are idempotent, so writing one twice is harmless.</para>
/// <para>Epochs: every <see cref="InitProducerIdAsync"/> bumps the epoch (fencing the older instance), and so does every end with
/// <c>bumpEpoch</c> and every timeout abort; when the next epoch would reach <see cref="short.MaxValue"/> the markers
/// carry <see cref="short.MaxValue"/> (fencing the old id for good) and the producer continues under a fresh producer id.</para>
/// <para>Concurrency: every call is an exclusive turn (the timer's ticks too), so a state change and its markers are never
/// interleaved with another call; <see cref="DescribeAsync"/> reads the last state this activation wrote.</para>
/// </remarks>
[GrainType(GrainTypeName)]
public sealed partial class TransactionCoordinatorGrain(
    [PersistentState(TransactionCoordinatorState.StateName, GrainsHostingExtensions.GrainStorageName)] IPersistentState<TransactionCoordinatorState> state,
    TimeProvider time,
    ILogger<TransactionCoordinatorGrain> logger)
    : Grain, ITransactionCoordinatorGrain
{
    /// <summary>The grain type (Orleans' <c>[GrainType]</c>), also the grain storage's name for a coordinator's state.</summary>
    public const string GrainTypeName = "runnel.transaction-coordinator";

    /// <summary>Kafka's floor for <c>transaction.timeout.ms</c> is 1 ms; 1 s keeps timer churn sane.</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Kafka's default <c>transaction.max.timeout.ms</c>: a longer transaction holds every read_committed reader
    /// of its partitions below its first offset for that long.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(15);

    /// <summary>How long one call keeps retrying markers before it answers <see cref="RunnelErrorCode.ConcurrentTransactions"/>
    /// (retriable): well below Orleans' 30 s response timeout, so the caller hears an answer, not a timeout.</summary>
    internal static readonly TimeSpan MarkerBudget = TimeSpan.FromSeconds(10);

    /// <summary>How often this activation's timer retries the markers of a transaction whose end did not finish.</summary>
    internal static readonly TimeSpan MarkerRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>How many markers are in flight at once.</summary>
    private const int MarkerParallelism = 64;

    /// <summary>Wall-clock pause between two attempts at one marker (pacing, not a deadline: it stays on real time).</summary>
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Partitions and groups whose marker of the transaction being completed is durable (this activation's knowledge).</summary>
    private readonly HashSet<string> _marked = new(StringComparer.Ordinal);

    private string? _idError;
    private bool _epochClaimed;

    /// <summary>A write failed with its outcome unknown: the state in memory may not be the stored one until re-read.</summary>
    private bool _reload;
    private IGrainTimer? _timer;

    private string TransactionalId => this.GetPrimaryKeyString();

    private TransactionCoordinatorState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RunnelGrainErrorFilter.ActivateAsync(ActivateAsync());

    private async Task ActivateAsync()
    {
        if (!TopicName.IsValid(TransactionalId, out _))
        {
            var shown = TransactionalId.Length > 40 ? $"'{TransactionalId[..40]}...' ({TransactionalId.Length} characters)" : $"'{TransactionalId}'";
            _idError = $"Transactional id {shown} is not valid: it must be 1 to {TopicName.MaxLength} characters of [a-zA-Z0-9._-], and not '.' or '..'.";
            return;
        }

        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        if (state.RecordExists && IsPreparing(S.Status))
        {
            // A crashed activation decided but did not finish: its markers are written again now (they are idempotent).
            LogResuming(logger, TransactionalId, S.Status, S.Partitions.Count, S.Groups.Count);
            try
            {
                await TryFinishAsync();
            }
            catch (Exception ex) when (ex is RunnelException or InconsistentStateException)
            {
                LogMarkersPending(logger, TransactionalId, ex.Message);
            }
        }

        Reschedule();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public async ValueTask<ProducerIdentity> InitProducerIdAsync(TimeSpan transactionTimeout, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (transactionTimeout < MinTimeout || transactionTimeout > MaxTimeout)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"The transaction timeout of transactional id '{TransactionalId}' must be between {MinTimeout.TotalSeconds:0} s and {MaxTimeout.TotalMinutes:0} min (was {transactionTimeout}).");
        }

        await ReloadIfNeededAsync();

        if (!state.RecordExists)
        {
            // The catalog first: a crash before the state is written leaves it a name that listing leaves out.
            await GrainFactory.GetGrain<ICatalogRegistry>(GrainId.Create(TransactionCatalogGrain.GrainTypeName, RunnelCluster.SingletonKey)).AddAsync(TransactionalId, "");
            var fresh = await AllocateProducerIdAsync();
            state.State = new TransactionCoordinatorState { ProducerId = fresh.ProducerId, ProducerEpoch = fresh.ProducerEpoch, Timeout = transactionTimeout };
            await PersistAsync();
            LogInitialized(logger, TransactionalId, fresh.ProducerId, fresh.ProducerEpoch);
            return fresh;
        }

        await FinishOrThrowAsync();
        var old = Current;
        if (S.Status == TransactionStatus.Ongoing)
        {
            // The older instance's transaction: aborted with the next epoch (which fences its writes) before answering.
            LogAbortingForInit(logger, TransactionalId, old.ProducerId, old.ProducerEpoch);
            S.Timeout = transactionTimeout;
            await PrepareAsync(commit: false, bumpEpoch: true, TransactionEndReason.Fenced);
            if (!await TryFinishAsync())
            {
                throw StillCompleting();
            }

            return Current;
        }

        var next = await BumpAsync(old);
        S.ProducerId = next.ProducerId;
        S.ProducerEpoch = next.ProducerEpoch;
        S.LastProducerId = old.ProducerId;
        S.LastProducerEpoch = old.ProducerEpoch;
        S.EndReason = TransactionEndReason.Fenced;
        S.Status = TransactionStatus.Empty;
        S.Timeout = transactionTimeout;
        await PersistAsync();
        LogInitialized(logger, TransactionalId, next.ProducerId, next.ProducerEpoch);
        return next;
    }

    public async ValueTask AddPartitionsAsync(ProducerIdentity producer, IReadOnlyList<TransactionPartition> partitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        await PrepareToAddAsync(producer);
        var reader = ServiceProvider.GetRequiredService<GrainStateReader>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var partition in partitions)
        {
            if (partition is null || string.IsNullOrEmpty(partition.Topic))
            {
                throw new RunnelException(RunnelErrorCode.InvalidArgument, $"A partition added to the transaction of '{TransactionalId}' has no topic.");
            }

            if (!counts.TryGetValue(partition.Topic, out var count))
            {
                var meta = await reader.ReadTopicAsync(partition.Topic, cancellationToken);
                count = meta is { IsActive: true } ? meta.PartitionCount : -1;
                counts[partition.Topic] = count;
            }

            if (count < 0)
            {
                throw new RunnelException(RunnelErrorCode.UnknownTopic, $"Topic '{partition.Topic}' does not exist (adding it to the transaction of '{TransactionalId}').");
            }

            if (partition.Partition < 0 || partition.Partition >= count)
            {
                throw new RunnelException(RunnelErrorCode.UnknownPartition, $"Partition {partition} does not exist: topic '{partition.Topic}' has {count} partitions (adding it to the transaction of '{TransactionalId}').");
            }
        }

        var changed = Open();
        foreach (var partition in partitions.Distinct())
        {
            if (!S.Partitions.Contains(partition))
            {
                S.Partitions.Add(partition);
                changed = true;
            }
        }

        if (changed)
        {
            await PersistAsync();
            Reschedule();
        }
    }

    public async ValueTask AddGroupAsync(ProducerIdentity producer, string groupId, CancellationToken cancellationToken = default)
    {
        GroupIds.Validate(groupId);
        await PrepareToAddAsync(producer);
        var changed = Open();
        if (!S.Groups.Contains(groupId, StringComparer.Ordinal))
        {
            S.Groups.Add(groupId);
            changed = true;
        }

        if (changed)
        {
            await PersistAsync();
            Reschedule();
        }
    }

    public async ValueTask<ProducerIdentity> EndTransactionAsync(ProducerIdentity producer, bool commit, bool bumpEpoch, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ArgumentNullException.ThrowIfNull(producer);
        await ReloadIfNeededAsync();
        ThrowIfUninitialized();
        var what = commit ? "commit" : "abort";
        if (producer != Current && IsLast(producer) && !IsPreparing(S.Status))
        {
            // A retry of the end that completed the last transaction (its answer was lost), or a late end after the timeout.
            var committed = S.Status == TransactionStatus.CompleteCommit;
            if (S.EndReason == TransactionEndReason.Fenced)
            {
                throw Fenced(producer);
            }

            if (committed == commit)
            {
                return Current;
            }

            throw S.EndReason == TransactionEndReason.Timeout
                ? TimedOut(producer)
                : new RunnelException(RunnelErrorCode.InvalidTransactionState, $"Cannot {what} the transaction of '{TransactionalId}' (producer {producer.ProducerId}, epoch {producer.ProducerEpoch}): it was already {(committed ? "committed" : "aborted")}.");
        }

        CheckCurrent(producer);
        switch (S.Status)
        {
            case TransactionStatus.PrepareCommit or TransactionStatus.PrepareAbort:
                if (S.EndReason != TransactionEndReason.Producer)
                {
                    // The coordinator is aborting this producer's transaction itself (its timeout, or a newer instance's
                    // init): the answer is never the identity that comes after it.
                    await TryFinishAsync();
                    throw S.EndReason == TransactionEndReason.Timeout ? TimedOut(producer) : Fenced(producer);
                }

                if ((S.Status == TransactionStatus.PrepareCommit) != commit)
                {
                    throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"Cannot {what} the transaction of '{TransactionalId}': it is being {(commit ? "aborted" : "committed")}.");
                }

                // A retry of the end being completed: finish it.
                if (!await TryFinishAsync())
                {
                    throw StillCompleting();
                }

                return Current;

            case TransactionStatus.Ongoing:
                await PrepareAsync(commit, bumpEpoch, TransactionEndReason.Producer);
                if (!await TryFinishAsync())
                {
                    throw StillCompleting();
                }

                LogEnded(logger, TransactionalId, commit, producer.ProducerId, producer.ProducerEpoch);
                return Current;

            default:
                if (IsLast(producer) && S.EndReason == TransactionEndReason.Producer && S.Status is TransactionStatus.CompleteCommit or TransactionStatus.CompleteAbort)
                {
                    // Without an epoch bump the identity stays: a retry of the last end looks like this.
                    var committed = S.Status == TransactionStatus.CompleteCommit;
                    return committed == commit
                        ? Current
                        : throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"Cannot {what} the transaction of '{TransactionalId}': it was already {(committed ? "committed" : "aborted")}.");
                }

                // Nothing was added since the last end: an empty transaction, nothing to mark.
                return Current;
        }
    }

    public async ValueTask<TransactionDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        await ReloadIfNeededAsync();
        ThrowIfUninitialized();
        return Describe(TransactionalId, S);
    }

    public async ValueTask<bool> ExpireAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        await ReloadIfNeededAsync();
        if (!state.RecordExists)
        {
            return false;
        }

        var ended = await ExpireCoreAsync();
        Reschedule();
        return ended;
    }

    internal static TransactionDescription Describe(string transactionalId, TransactionCoordinatorState s) =>
        new(transactionalId, s.ProducerId, s.ProducerEpoch, s.Status, s.Timeout, s.StartedAt, [.. s.Partitions], [.. s.Groups]);

    /// <summary>Whether a stored state has a transaction to time out or to finish (what the sweep looks for).</summary>
    internal static bool NeedsAttention(TransactionCoordinatorState s, DateTimeOffset now) =>
        IsPreparing(s.Status) || (s.Status == TransactionStatus.Ongoing && s.StartedAt is { } started && now >= started + s.Timeout);

    private ProducerIdentity Current => new(S.ProducerId, S.ProducerEpoch);

    private bool IsLast(ProducerIdentity producer) => producer.ProducerId == S.LastProducerId && producer.ProducerEpoch == S.LastProducerEpoch;

    private static bool IsPreparing(TransactionStatus status) => status is TransactionStatus.PrepareCommit or TransactionStatus.PrepareAbort;

    /// <summary>Aborts an open transaction past its deadline, or finishes one being completed; whether it ended one.</summary>
    private async Task<bool> ExpireCoreAsync()
    {
        await ReloadIfNeededAsync();
        if (!state.RecordExists)
        {
            return false;
        }

        if (IsPreparing(S.Status))
        {
            return await TryFinishAsync();
        }

        if (!NeedsAttention(S, time.GetUtcNow()))
        {
            return false;
        }

        LogTimedOut(logger, TransactionalId, S.ProducerId, S.ProducerEpoch, S.Timeout);
        await PrepareAsync(commit: false, bumpEpoch: true, TransactionEndReason.Timeout);
        await TryFinishAsync();
        return true;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ExpireCoreAsync();
        }
        catch (Exception ex) when (ex is RunnelException or InconsistentStateException)
        {
            LogMarkersPending(logger, TransactionalId, ex.Message);
        }

        Reschedule();
    }

    /// <summary>Arms the timer: at the open transaction's deadline, soon for markers left to write, else never.</summary>
    private void Reschedule()
    {
        if (_timer is null || !state.RecordExists)
        {
            return;
        }

        if (IsPreparing(S.Status))
        {
            _timer.Change(MarkerRetryInterval, Timeout.InfiniteTimeSpan);
        }
        else if (S.Status == TransactionStatus.Ongoing && S.StartedAt is { } started)
        {
            var due = started + S.Timeout - time.GetUtcNow();
            _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Checks the producer for adding to its transaction, finishing an end left unfinished first.</summary>
    private async Task PrepareToAddAsync(ProducerIdentity producer)
    {
        ThrowIfInvalidId();
        ArgumentNullException.ThrowIfNull(producer);
        await ReloadIfNeededAsync();
        ThrowIfUninitialized();
        if (producer.ProducerId == S.ProducerId && producer.ProducerEpoch > S.ProducerEpoch)
        {
            CheckCurrent(producer); // newer than handed out
        }

        // An end left unfinished first: finishing one that bumped the epoch leaves its producer behind it.
        await FinishOrThrowAsync();
        if (producer != Current && IsLast(producer) && S.EndReason == TransactionEndReason.Timeout)
        {
            throw TimedOut(producer);
        }

        CheckCurrent(producer);
    }

    /// <summary>Opens a transaction if none is; whether it did.</summary>
    private bool Open()
    {
        if (S.Status == TransactionStatus.Ongoing)
        {
            return false;
        }

        S.Status = TransactionStatus.Ongoing;
        S.StartedAt = time.GetUtcNow();
        S.TransactionNumber++;
        S.Partitions.Clear();
        S.Groups.Clear();
        return true;
    }

    /// <summary>Writes the decision: from here on the transaction ends this way whatever fails.</summary>
    private async Task PrepareAsync(bool commit, bool bumpEpoch, TransactionEndReason reason)
    {
        var current = Current;
        var next = bumpEpoch ? await BumpAsync(current) : current;
        S.Status = commit ? TransactionStatus.PrepareCommit : TransactionStatus.PrepareAbort;
        S.MarkerEpoch = bumpEpoch ? (short)(current.ProducerEpoch + 1) : current.ProducerEpoch;
        S.NextProducerId = next.ProducerId;
        S.NextProducerEpoch = next.ProducerEpoch;
        S.LastProducerId = current.ProducerId;
        S.LastProducerEpoch = current.ProducerEpoch;
        S.EndReason = reason;
        _marked.Clear();
        await PersistAsync();
        LogPrepared(logger, TransactionalId, S.Status, S.MarkerEpoch, S.Partitions.Count, S.Groups.Count);
    }

    /// <summary>
    /// Writes the markers of the transaction being completed to every partition and group not yet marked (in parallel,
    /// each retried on retriable errors for up to <see cref="MarkerBudget"/>), then the completion. Whether it completed.
    /// </summary>
    private async Task<bool> TryFinishAsync()
    {
        if (!IsPreparing(S.Status))
        {
            return true;
        }

        var commit = S.Status == TransactionStatus.PrepareCommit;
        var marker = new TransactionMarker(S.ProducerId, S.MarkerEpoch, commit, S.CoordinatorEpoch);
        var deadline = TimeProvider.System.GetUtcNow() + MarkerBudget;
        var work = new List<(string Key, Func<Task> Write)>();
        // Each marker names the transaction (its number: never reused by this transactional id) and its partitions of the
        // marker's own topic, in a header Kafka clients ignore: a table over the topic holds the transaction's records back
        // until it has read the marker of every one of them, then applies them in one swap.
        var markers = S.Partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => S.TransactionNumber > 0 ? marker with { Participants = [.. g.Select(p => p.Partition).Distinct().Order()], TransactionId = S.TransactionNumber } : marker,
            StringComparer.Ordinal);
        foreach (var partition in S.Partitions)
        {
            var key = "p:" + partition;
            if (!_marked.Contains(key))
            {
                var grain = GrainFactory.GetGrain<IPartitionGrain>(PartitionKey.Format(partition.Topic, partition.Partition));
                var topicMarker = markers[partition.Topic];
                work.Add((key, async () => await grain.WriteTransactionMarkerAsync(topicMarker)));
            }
        }

        foreach (var group in S.Groups)
        {
            var key = "g:" + group;
            if (!_marked.Contains(key))
            {
                var grain = GrainFactory.GetGrain<IConsumerGroupGrain>(group);
                work.Add((key, async () => await grain.CompleteTransactionAsync(marker.ProducerId, marker.ProducerEpoch, commit)));
            }
        }

        using var gate = new SemaphoreSlim(MarkerParallelism);
        var results = await Task.WhenAll(work.Select(async w =>
        {
            await gate.WaitAsync();
            try
            {
                return (w.Key, Done: await WriteWithRetriesAsync(w.Key, w.Write, deadline));
            }
            finally
            {
                gate.Release();
            }
        }));
        foreach (var (key, done) in results)
        {
            if (done)
            {
                _marked.Add(key);
            }
        }

        if (results.Any(r => !r.Done))
        {
            return false;
        }

        S.Status = commit ? TransactionStatus.CompleteCommit : TransactionStatus.CompleteAbort;
        S.ProducerId = S.NextProducerId;
        S.ProducerEpoch = S.NextProducerEpoch;
        S.StartedAt = null;
        S.Partitions.Clear();
        S.Groups.Clear();
        await PersistAsync();
        _marked.Clear();
        LogCompleted(logger, TransactionalId, S.Status, S.ProducerId, S.ProducerEpoch);
        return true;
    }

    /// <summary>One marker, retried on retriable errors until <paramref name="deadline"/>; whether it is durable (or needs
    /// no writing: the partition's topic is gone, or a newer marker already ended the producer's transaction there).</summary>
    private async Task<bool> WriteWithRetriesAsync(string key, Func<Task> write, DateTimeOffset deadline)
    {
        var backoff = FirstBackoff;
        while (true)
        {
            try
            {
                await write();
                return true;
            }
            catch (RunnelException ex) when (ex.Code is RunnelErrorCode.UnknownTopic or RunnelErrorCode.UnknownPartition or RunnelErrorCode.ProducerFenced)
            {
                LogMarkerSkipped(logger, TransactionalId, key, ex.Code, ex.Message);
                return true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var retriable = ex is not RunnelException { IsRetriable: false };
                if (!retriable || TimeProvider.System.GetUtcNow() + backoff > deadline)
                {
                    LogMarkerFailed(logger, TransactionalId, key, ex.Message);
                    return false;
                }
            }

            await Task.Delay(backoff, TimeProvider.System);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>Finishes an end left unfinished, or throws <see cref="RunnelErrorCode.ConcurrentTransactions"/>.</summary>
    private async Task FinishOrThrowAsync()
    {
        if (IsPreparing(S.Status) && !await TryFinishAsync())
        {
            Reschedule();
            throw StillCompleting();
        }
    }

    /// <summary>The identity after an epoch bump: the next epoch, or a fresh producer id when it would reach the maximum.</summary>
    private async Task<ProducerIdentity> BumpAsync(ProducerIdentity current) =>
        current.ProducerEpoch + 1 >= short.MaxValue
            ? await AllocateProducerIdAsync()
            : new ProducerIdentity(current.ProducerId, (short)(current.ProducerEpoch + 1));

    private async Task<ProducerIdentity> AllocateProducerIdAsync() =>
        await GrainFactory.GetGrain<IProducerIdGrain>(RunnelCluster.SingletonKey).AllocateAsync();

    /// <summary>
    /// Writes the state under this activation's ETag; the first write of an activation raises the coordinator epoch.
    /// Another writer got there first: this activation re-reads, deactivates and the call fails as retriable. Any other
    /// failure (the store unavailable; the write may or may not have landed) leaves the state to be re-read before the
    /// next call, so what this activation acts on is always what is stored, never a change that was not written.
    /// </summary>
    private async Task PersistAsync()
    {
        if (!_epochClaimed)
        {
            S.CoordinatorEpoch++;
        }

        try
        {
            await state.WriteAsync();
            _epochClaimed = true;
        }
        catch (InconsistentStateException)
        {
            LogConflict(logger, TransactionalId);
            _marked.Clear();
            _reload = true;
            await ReloadIfNeededAsync();
            DeactivateOnIdle();
            throw new RunnelException(RunnelErrorCode.PreconditionFailed, $"The coordinator of transactional id '{TransactionalId}' was changed by another activation; try again.", isRetriable: true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _reload = true;
            throw;
        }
    }

    /// <summary>Re-reads the stored state after a write whose outcome is not known (a failed re-read leaves the flag set).</summary>
    private async Task ReloadIfNeededAsync()
    {
        if (_reload)
        {
            await state.ReadAsync();
            _epochClaimed = false;
            _reload = false;
            Reschedule();
        }
    }

    /// <summary>The producer must be the current instance: an older one is fenced, a newer one was never handed out.</summary>
    private void CheckCurrent(ProducerIdentity producer)
    {
        if (producer.ProducerId == S.ProducerId && producer.ProducerEpoch > S.ProducerEpoch)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Producer {producer.ProducerId} epoch {producer.ProducerEpoch} is newer than transactional id '{TransactionalId}' has handed out ({S.ProducerEpoch}).");
        }

        if (producer != Current)
        {
            throw Fenced(producer);
        }
    }

    private RunnelException Fenced(ProducerIdentity producer) => new(
        RunnelErrorCode.ProducerFenced,
        $"Producer {producer.ProducerId} (epoch {producer.ProducerEpoch}) of transactional id '{TransactionalId}' is fenced: a newer instance (producer {S.ProducerId}, epoch {S.ProducerEpoch}) initialized it.");

    private RunnelException TimedOut(ProducerIdentity producer) => new(
        RunnelErrorCode.TransactionAborted,
        $"The transaction of '{TransactionalId}' (producer {producer.ProducerId}, epoch {producer.ProducerEpoch}) was aborted by its coordinator: its timeout of {S.Timeout} passed. Abort it and begin a new one.");

    private RunnelException StillCompleting() => new(
        RunnelErrorCode.ConcurrentTransactions,
        $"The transaction of '{TransactionalId}' is decided ({S.Status}) but its markers are still being written ({S.Partitions.Count + S.Groups.Count - _marked.Count} of {S.Partitions.Count + S.Groups.Count} left); try again shortly.",
        isRetriable: true);

    private void ThrowIfInvalidId()
    {
        if (_idError is not null)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, _idError);
        }
    }

    private void ThrowIfUninitialized()
    {
        if (!state.RecordExists)
        {
            throw new RunnelException(RunnelErrorCode.UnknownTransactionalId, $"Transactional id '{TransactionalId}' was never initialized (InitTransactions first).");
        }
    }
}
