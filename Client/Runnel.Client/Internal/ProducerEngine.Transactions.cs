using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <remarks>
/// Transactions (<see cref="ProducerOptions.TransactionalId"/>), as Kafka's producer runs them:
/// <list type="bullet">
/// <item>The producer id and epoch come from the transactional id's coordinator
/// (<see cref="ITransactionCoordinatorGrain.InitProducerIdAsync"/>) and serve every partition; every batch carries the
/// transactional attribute.</item>
/// <item>Records are accepted only inside a transaction. Before a partition's first batch of a transaction is sent, the
/// partition is added to the transaction (<see cref="ITransactionCoordinatorGrain.AddPartitionsAsync"/>; the partitions
/// waiting meanwhile go in one call), and its batches leave only once the add is durable.</item>
/// <item>A record that fails for good makes the transaction abortable: nothing more of it is sent, commit is refused,
/// only an abort ends it. The idempotent producer's own epoch bump after a failure (KIP-360) does not happen here: the
/// coordinator bumps the epoch when the transaction ends, and every partition's sequence starts again at 0 under it.</item>
/// <item><see cref="RunnelErrorCode.ProducerFenced"/> from the coordinator, a partition or a group (a newer instance
/// initialized the same id) stops the producer for good.</item>
/// </list>
/// </remarks>
internal sealed partial class ProducerEngine
{
    private readonly List<PartitionQueue> _txAdds = [];
    private TransactionState _txState;
    private ProducerIdentity? _txIdentity;
    private RunnelException? _txError;
    private int _txFailed;
    private bool _txTouched;
    private bool _txAddRunning;
    private TaskCompletionSource? _txAddsIdle;

    private enum TransactionState
    {
        Uninitialized,
        Initializing,
        Ready,
        InTransaction,
        Committing,
        Aborting,
    }

    private bool IsTransactional => Options.TransactionalId is not null;

    private ITransactionCoordinatorGrain Coordinator => _grains.GetGrain<ITransactionCoordinatorGrain>(Options.TransactionalId!);

    /// <summary>Gets the producer id and epoch of the transactional id from its coordinator, fencing older instances.</summary>
    public async Task InitTransactionsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.InitTransactionsAsync));
            if (_txState != TransactionState.Uninitialized)
            {
                throw new RunnelException(RunnelErrorCode.InvalidTransactionState,
                    $"InitTransactionsAsync was called already on this producer (transactional id '{Options.TransactionalId}'); call it once, before the first transaction.");
            }

            _txState = TransactionState.Initializing;
        }

        try
        {
            var identity = await CallAsync(c => Coordinator.InitProducerIdAsync(Options.TransactionTimeout, c), Options.BufferTimeout, cancellationToken).ConfigureAwait(false);
            LogTransactionsInitialized(_logger, Options.TransactionalId!, identity.ProducerId, identity.ProducerEpoch);
            lock (_gate)
            {
                _txIdentity = identity;
                _txState = TransactionState.Ready;
            }
        }
        catch
        {
            lock (_gate)
            {
                if (_txState == TransactionState.Initializing)
                {
                    _txState = TransactionState.Uninitialized;
                }
            }

            throw;
        }
    }

    /// <summary>Opens a transaction (locally: the coordinator learns of it with the first partition or group added).</summary>
    public void BeginTransaction()
    {
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.BeginTransaction));
            switch (_txState)
            {
                case TransactionState.Uninitialized or TransactionState.Initializing:
                    throw new RunnelException(RunnelErrorCode.InvalidTransactionState, "BeginTransaction needs InitTransactionsAsync to have completed first.");
                case TransactionState.InTransaction or TransactionState.Committing or TransactionState.Aborting:
                    throw new RunnelException(RunnelErrorCode.InvalidTransactionState,
                        "A transaction is open already: commit or abort it (CommitTransactionAsync, AbortTransactionAsync) before beginning the next one.");
            }

            _txState = TransactionState.InTransaction;
            _txError = null;
            _txFailed = 0;
            _txTouched = false;
        }
    }

    /// <summary>Adds the group to the transaction, then commits its offsets inside it.</summary>
    public async Task SendOffsetsToTransactionAsync(IReadOnlyList<CommittedOffset> offsets, string groupId, string memberId, int memberEpoch, CancellationToken cancellationToken)
    {
        ProducerIdentity identity;
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.SendOffsetsToTransactionAsync));
            RequireOpenTransactionLocked("send offsets to it");
            identity = _txIdentity!;
        }

        try
        {
            await AddToTransactionAsync(c => Coordinator.AddGroupAsync(identity, groupId, c), Options.BufferTimeout, cancellationToken).ConfigureAwait(false);
            var request = new TransactionalOffsetCommitRequest(Options.TransactionalId!, identity, memberId, memberEpoch, offsets);
            await CallAsync(async c =>
            {
                await _grains.GetGrain<IConsumerGroupGrain>(groupId).CommitTransactionalOffsetsAsync(request, c).ConfigureAwait(false);
                return true;
            }, Options.BufferTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException ex) when (ex.Code != RunnelErrorCode.ProducerFenced)
        {
            lock (_gate)
            {
                NoteTransactionFailureLocked(ex);
            }

            throw;
        }
    }

    /// <summary>Sends what is buffered, then commits (or refuses when a record of the transaction failed).</summary>
    public async Task CommitTransactionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.CommitTransactionAsync));
            if (_txState == TransactionState.Aborting)
            {
                throw new RunnelException(RunnelErrorCode.InvalidTransactionState,
                    "The transaction is being aborted: it cannot be committed; finish AbortTransactionAsync, then begin a new one.");
            }

            if (_txState != TransactionState.Committing)
            {
                RequireOpenTransactionLocked("commit it");
            }

            _txState = TransactionState.Committing;
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await AddsIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        ProducerIdentity identity;
        bool touched;
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.CommitTransactionAsync));
            if (_txError is { } failed)
            {
                throw new RunnelException(RunnelErrorCode.InvalidTransactionState,
                    $"The transaction cannot commit: {(_txFailed == 1 ? "a record" : $"{_txFailed} records")} of it failed (first: {failed.Code}: {failed.Message}). " +
                    "Abort it with AbortTransactionAsync and produce again in a new transaction.", failed);
            }

            identity = _txIdentity!;
            touched = _txTouched;
        }

        var next = touched
            ? await CallAsync(c => Coordinator.EndTransactionAsync(identity, commit: true, bumpEpoch: true, c), Options.BufferTimeout, cancellationToken).ConfigureAwait(false)
            : identity;
        lock (_gate)
        {
            EndTransactionLocked(identity, next);
        }
    }

    /// <summary>Fails what is buffered with <see cref="RunnelErrorCode.TransactionAborted"/>, waits for what is in flight,
    /// then aborts.</summary>
    public async Task AbortTransactionAsync(CancellationToken cancellationToken)
    {
        var effects = new Effects(this);
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.AbortTransactionAsync));
            if (_txState is not (TransactionState.Committing or TransactionState.Aborting))
            {
                RequireOpenTransactionLocked("abort it", allowFailed: true);
            }

            _txState = TransactionState.Aborting;
            FailAllLocked(new RunnelException(RunnelErrorCode.TransactionAborted, "The transaction was aborted before the record was sent: it is not stored."), effects);

            // Partitions still waiting for their add call have nothing left to send.
            foreach (var queue in _txAdds)
            {
                queue.AddPending = false;
            }

            _txAdds.Clear();
        }

        effects.Run(this);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        await AddsIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        ProducerIdentity identity;
        bool touched;
        lock (_gate)
        {
            ThrowIfUnusableLocked(nameof(IProducer<int, int>.AbortTransactionAsync));
            identity = _txIdentity!;
            touched = _txTouched;
        }

        var next = touched
            ? await CallAsync(c => Coordinator.EndTransactionAsync(identity, commit: false, bumpEpoch: true, c), Options.BufferTimeout, cancellationToken).ConfigureAwait(false)
            : identity;
        lock (_gate)
        {
            EndTransactionLocked(identity, next);
        }
    }

    /// <summary>The transaction ended (or never reached the coordinator): the next one starts clean, under the identity the
    /// coordinator returned. A bumped epoch starts every partition's sequence again at 0 (the markers carried it).</summary>
    private void EndTransactionLocked(ProducerIdentity ended, ProducerIdentity next)
    {
        _txIdentity = next;
        _txState = TransactionState.Ready;
        _txError = null;
        _txFailed = 0;
        _txTouched = false;
        var bumped = next != ended;
        foreach (var topic in _topics.Values)
        {
            foreach (var queue in topic.Partitions)
            {
                queue.InTransaction = false;
                if (bumped)
                {
                    queue.Identity = null;
                    queue.NextSequence = 0;
                }
            }
        }
    }

    /// <summary>Refuses records outside a transaction (thrown synchronously by the produce calls).</summary>
    private void RequireTransactionForRecordLocked()
    {
        if (IsTransactional && _txState != TransactionState.InTransaction)
        {
            throw new RunnelException(RunnelErrorCode.InvalidTransactionState, _txState switch
            {
                TransactionState.Uninitialized or TransactionState.Initializing =>
                    $"Producer '{Options.TransactionalId}' is transactional: call InitTransactionsAsync, then BeginTransaction, before producing.",
                TransactionState.Committing => "The transaction is being committed: records go into the next transaction (BeginTransaction after the commit).",
                TransactionState.Aborting => "The transaction is being aborted: records go into the next transaction (BeginTransaction after the abort).",
                _ => $"Producer '{Options.TransactionalId}' is transactional and no transaction is open: call BeginTransaction before producing.",
            });
        }
    }

    private void RequireOpenTransactionLocked(string what, bool allowFailed = false)
    {
        if (_txState != TransactionState.InTransaction)
        {
            throw new RunnelException(RunnelErrorCode.InvalidTransactionState, _txState is TransactionState.Uninitialized or TransactionState.Initializing
                ? $"No transaction to {what}: call InitTransactionsAsync, then BeginTransaction."
                : $"No transaction is open to {what} (it was committed or aborted already): call BeginTransaction first.");
        }

        if (!allowFailed && _txError is { } failed)
        {
            throw new RunnelException(RunnelErrorCode.InvalidTransactionState,
                $"The transaction can only be aborted now (AbortTransactionAsync): a record of it failed ({failed.Code}: {failed.Message}).", failed);
        }
    }

    private void ThrowIfUnusableLocked(string call)
    {
        if (!IsTransactional)
        {
            throw new RunnelException(RunnelErrorCode.InvalidTransactionState, $"{call} needs a transactional producer: set ProducerOptions.TransactionalId.");
        }

        ObjectDisposedException.ThrowIf(_closing, typeof(Producer<,>));
        if (_fatal is { } fatal)
        {
            throw new RunnelException(fatal.Code, $"The producer failed for good: {fatal.Message}", fatal);
        }
    }

    /// <summary>A record of the open transaction failed: the transaction can only be aborted now.</summary>
    private void NoteTransactionFailureLocked(RunnelException error, int records = 1)
    {
        if (IsTransactional && _txState is TransactionState.InTransaction or TransactionState.Committing)
        {
            _txFailed += records;
            if (_txError is null)
            {
                _txError = error;
                LogTransactionAbortable(_logger, Options.TransactionalId!, error.Code, error.Message);
            }
        }
    }

    /// <summary>DrainLocked's transactional gate: false when the partition must not send now (the transaction failed and
    /// its unsent batches were failed, or the partition waits to be added to the transaction).</summary>
    private bool TransactionAllowsSendLocked(PartitionQueue queue, Effects effects)
    {
        if (_txError is { } failed)
        {
            var refused = new RunnelException(RunnelErrorCode.TransactionAborted,
                $"Not sent to {queue.Partition}: an earlier record of the transaction failed ({failed.Code}: {failed.Message}), so the transaction can only be aborted.", failed);
            FailQueuedLocked(queue, refused, effects);
            return false;
        }

        if (!queue.InTransaction)
        {
            if (queue.Unsent.First is { } first && IsReady(queue, first.Value))
            {
                RequestAddLocked(queue, effects);
            }

            return false;
        }

        return true;
    }

    /// <summary>Fails a partition's unsent batches and those awaiting a resend (none is in flight).</summary>
    private void FailQueuedLocked(PartitionQueue queue, RunnelException error, Effects effects)
    {
        foreach (var batch in queue.Unsent)
        {
            batch.Discard();
            CompleteBatchLocked(batch, -1, error, effects);
        }

        queue.Unsent.Clear();
        foreach (var batch in queue.Retry)
        {
            CompleteBatchLocked(batch, -1, OwnOutcome(batch, error), effects);
        }

        queue.Retry.Clear();
        queue.RetryTimer?.Dispose();
        queue.RetryTimer = null;
    }

    private void RequestAddLocked(PartitionQueue queue, Effects effects)
    {
        if (queue.AddPending)
        {
            return;
        }

        queue.AddPending = true;
        _txAdds.Add(queue);
        if (!_txAddRunning)
        {
            _txAddRunning = true;
            _txAddsIdle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            effects.AddPartitions();
        }
    }

    private Task AddsIdleAsync()
    {
        lock (_gate)
        {
            return _txAddsIdle?.Task ?? Task.CompletedTask;
        }
    }

    /// <summary>Adds the waiting partitions to the transaction, all of them in one call, until none waits.</summary>
    private async Task AddPartitionsAsync()
    {
        while (true)
        {
            PartitionQueue[] queues;
            ProducerIdentity identity;
            lock (_gate)
            {
                if (_txAdds.Count == 0 || _fatal is not null)
                {
                    foreach (var queue in _txAdds)
                    {
                        queue.AddPending = false;
                    }

                    _txAdds.Clear();
                    _txAddRunning = false;
                    _txAddsIdle?.TrySetResult();
                    return;
                }

                queues = [.. _txAdds];
                _txAdds.Clear();
                identity = _txIdentity!;
            }

            RunnelException? error = null;
            try
            {
                var partitions = queues.Select(q => new TransactionPartition(q.Partition.Topic, q.Partition.Partition)).ToList();
                await AddToTransactionAsync(c => Coordinator.AddPartitionsAsync(identity, partitions, c), Options.DeliveryTimeout, _shutdown.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
            {
                error = new RunnelException(RunnelErrorCode.DeliveryTimedOut, "The producer was closed before the partition was added to the transaction.");
            }
            catch (RunnelException ex)
            {
                error = ex;
            }

            var effects = new Effects(this);
            lock (_gate)
            {
                foreach (var queue in queues)
                {
                    if (!queue.AddPending)
                    {
                        continue; // the transaction was aborted meanwhile
                    }

                    queue.AddPending = false;
                    if (error is null)
                    {
                        queue.InTransaction = true;
                        if (queue.Identity != identity)
                        {
                            queue.Identity = identity;
                            queue.NextSequence = 0;
                        }

                        DrainLocked(queue, effects);
                    }
                    else
                    {
                        NoteTransactionFailureLocked(error);
                        FailQueuedLocked(queue, new RunnelException(error.Code,
                            $"{queue.Partition} could not be added to the transaction: {error.Message}", error), effects);
                    }
                }
            }

            effects.Run(this);
        }
    }

    /// <summary>Adds partitions or a group to the transaction: from then on (and after any attempt whose outcome is
    /// unknown) the coordinator may have the transaction open, so ending it is the coordinator's call. An add refused for
    /// good opened nothing.</summary>
    private async Task AddToTransactionAsync(Func<CancellationToken, ValueTask> add, TimeSpan budget, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(async c =>
            {
                await add(c).ConfigureAwait(false);
                return true;
            }, budget, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _txTouched = true;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || (ex is RunnelException r && (r.IsOutcomeUnknown || r.Code == RunnelErrorCode.OutcomeUnknown)))
        {
            lock (_gate)
            {
                _txTouched = true;
            }

            throw;
        }
    }

    /// <summary>A call to the coordinator or a group, retried while it fails retriably (or with
    /// <see cref="RunnelErrorCode.ConcurrentTransactions"/>) for up to <paramref name="budget"/>.
    /// <see cref="RunnelErrorCode.ProducerFenced"/> stops the producer for good.</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, ValueTask<T>> call, TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = Now + budget.Ticks;
        for (var attempt = 0; ; attempt++)
        {
            RunnelException error;
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // classified below
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = Errors.From(ex);
            }

            if (error.Code == RunnelErrorCode.ProducerFenced)
            {
                var effects = new Effects(this);
                lock (_gate)
                {
                    if (_fatal is null)
                    {
                        LogFatal(_logger, Options.TransactionalId!, error.Code, error.Message);
                        _fatal = error;
                        FailAllLocked(error, effects);
                    }
                }

                effects.Run(this);
                throw error;
            }

            if ((Errors.IsRetriable(error) || error.Code == RunnelErrorCode.ConcurrentTransactions) && Now < deadline)
            {
                await Task.Delay(Errors.Backoff(attempt, Options.RetryBackoff, Options.RetryBackoffMax), _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            throw error;
        }
    }
}
