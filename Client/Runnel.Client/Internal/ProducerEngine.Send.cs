using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <remarks>
/// Sending, per partition:
/// <list type="bullet">
/// <item>Batches leave <see cref="PartitionQueue.Unsent"/> oldest first once ready (not the open tail, full, lingered,
/// or a flush is on), while fewer than <see cref="ProducerOptions.MaxInFlightPerPartition"/> are in flight. The first
/// send seals a batch with the partition's producer id and next sequence; a retry resends the same bytes.</item>
/// <item>A retriable failure (transport outcomes, NotOwner, LogClosed, and OutOfOrderSequence of a batch that is not
/// the oldest unacknowledged one, which follows from an earlier batch's failure) moves the batch to
/// <see cref="PartitionQueue.Retry"/>. The partition then sends nothing new: it waits for the rest of its in-flight
/// batches, waits the backoff, and resends the retry batches one at a time in send order. Since the partition keeps
/// each producer's last 5 batches, a resent batch that was in fact written is answered as a duplicate with its
/// original offsets, so nothing is written twice and order holds.</item>
/// <item>OutOfOrderSequence of the oldest unacknowledged batch on its lone in-order resend, and ProducerFenced, stop
/// the producer for good.</item>
/// <item>Any other failure (or the delivery timeout) fails the batch and the retry batches behind it; the partition then
/// restarts its sequence at 0 under a fresh producer id of its own.</item>
/// </list>
/// </remarks>
internal sealed partial class ProducerEngine
{
    /// <summary>How often the oldest unacknowledged batch may be refused as out of order before the producer gives up:
    /// the first refusal can be a reordering of concurrent requests, which a lone in-order resend settles; a refusal of
    /// that resend means the partition's sequence state disagrees with ours.</summary>
    private const int MaxOutOfOrderAttempts = 2;

    private void DrainLocked(PartitionQueue queue, Effects effects)
    {
        if (_fatal is not null)
        {
            return;
        }

        ExpireUnsentLocked(queue, effects);
        if (queue.NeedsReset || queue.NeedsResequence)
        {
            if (queue.InFlight.Count > 0)
            {
                return;
            }

            RestartSequenceLocked(queue);
        }

        if (IsTransactional && !TransactionAllowsSendLocked(queue, effects))
        {
            return;
        }

        if (Options.EnableIdempotence && queue.Identity is null)
        {
            if (queue.Unsent.First is { } first && IsReady(queue, first.Value))
            {
                RequestIdentityLocked(queue, effects);
            }

            return;
        }

        if (queue.Retry.Count > 0)
        {
            if (queue.InFlight.Count > 0)
            {
                return;
            }

            var wait = queue.RetryAt - Now;
            if (wait > 0)
            {
                queue.RetryTimer?.Dispose();
                queue.RetryTimer = _time.CreateTimer(_ => OnRetryDue(queue), null, TimeSpan.FromTicks(wait), Timeout.InfiniteTimeSpan);
                return;
            }

            var retry = queue.Retry[0];
            queue.Retry.RemoveAt(0);
            retry.Attempts++;
            AddInFlightLocked(queue, retry);
            LogRetrying(_logger, queue.Partition.ToString(), retry.BaseSequence, retry.Attempts);
            effects.Send(retry);
            return;
        }

        // The window counts from the oldest unacknowledged batch, not just the requests outstanding: responses can be
        // handled out of order, and a batch must never be resent once more than 5 later ones were written (the
        // partition's duplicate window).
        while (queue.SendCounter - OldestUnacknowledged(queue) < Options.MaxInFlightPerPartition && queue.Unsent.First is { } node && IsReady(queue, node.Value))
        {
            if (_requestsInFlight >= Options.MaxInFlightRequests)
            {
                WaitForSlotLocked(queue);
                return;
            }

            var batch = node.Value;
            queue.Unsent.RemoveFirst();
            batch.LingerTimer?.Dispose();
            batch.LingerTimer = null;
            batch.Seal(queue.Identity, queue.NextSequence);
            if (queue.Identity is not null)
            {
                queue.NextSequence = BatchHeaderPatch.IncrementSequence(queue.NextSequence, batch.Records.Count);
            }

            batch.SendOrder = queue.SendCounter++;
            batch.Attempts = 1;
            AddInFlightLocked(queue, batch);
            if (queue.Topic.StickyPartition == queue.Partition.Partition)
            {
                queue.Topic.StickyPartition = -1;
            }

            effects.Send(batch);
        }
    }

    /// <summary>
    /// Starts the partition's sequence again at 0 under a bumped epoch (KIP-360), once nothing is in flight: after a
    /// batch failed for good (<see cref="PartitionQueue.NeedsReset"/>), or when the partition lost its state for us
    /// (<see cref="PartitionQueue.NeedsResequence"/>: the batches awaiting a resend are numbered again from 0, in send
    /// order). The partition accepts the new epoch at sequence 0 and from then on refuses the old one, so no straggling
    /// request of the old epoch can land behind the new sequence. An epoch at its maximum takes a fresh producer id.
    /// </summary>
    private void RestartSequenceLocked(PartitionQueue queue)
    {
        var resequence = queue.NeedsResequence;
        queue.NeedsReset = false;
        queue.NeedsResequence = false;
        queue.NextSequence = 0;
        if (queue.Identity is { } identity && identity.ProducerEpoch < short.MaxValue)
        {
            queue.Identity = identity with { ProducerEpoch = (short)(identity.ProducerEpoch + 1) };
            LogEpochBumped(_logger, queue.Partition.ToString(), identity.ProducerId, queue.Identity.ProducerEpoch, resequence ? queue.Retry.Count : 0);
        }
        else
        {
            queue.Identity = null;
            queue.OwnIdentity = true;
        }

        if (!resequence)
        {
            return;
        }

        // Only batches the partition refused as from an unknown producer wait here (nothing is in flight), so none of
        // them is stored: give them the new identity's sequences, oldest first.
        foreach (var batch in queue.Retry)
        {
            batch.OutOfOrderCount = 0;
            if (queue.Identity is { } fresh)
            {
                batch.Reseal(fresh, queue.NextSequence);
                queue.NextSequence = BatchHeaderPatch.IncrementSequence(queue.NextSequence, batch.Records.Count);
            }
        }
    }

    /// <summary>Whether the partition has room to send its next batch: a free slot in its in-flight window and no
    /// retry waiting. (Waiting for its first producer id does not count: batches keep their size at start.)</summary>
    private bool CanSendLocked(PartitionQueue queue) =>
        queue.SendCounter - OldestUnacknowledged(queue) < Options.MaxInFlightPerPartition
        && _requestsInFlight < Options.MaxInFlightRequests
        && queue.Retry.Count == 0
        && !queue.NeedsReset && !queue.NeedsResequence;

    private bool IsReady(PartitionQueue queue, ProducerBatch batch) =>
        batch != queue.Unsent.Last?.Value || batch.LingerExpired || batch.IsFull(Options.BatchSize) || IsFlushingLocked;

    private void OnRetryDue(PartitionQueue queue)
    {
        var effects = new Effects(this);
        lock (_gate)
        {
            queue.RetryTimer?.Dispose();
            queue.RetryTimer = null;
            DrainLocked(queue, effects);
        }

        effects.Run(this);
    }

    private async Task SendAsync(ProducerBatch batch)
    {
        ProduceResponse? response = null;
        RunnelException? error = null;
        try
        {
            response = await batch.Queue.Grain.ProduceAsync(new ProduceRequest(batch.Payload), _shutdown.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // every failure of the call is an outcome to handle, never an exception to raise
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = Errors.From(ex);
        }

        var effects = new Effects(this);
        lock (_gate)
        {
            OnResponseLocked(batch, response, error, effects);
        }

        effects.Run(this);
    }

    private void OnResponseLocked(ProducerBatch batch, ProduceResponse? response, RunnelException? error, Effects effects)
    {
        var queue = batch.Queue;
        if (queue.InFlight.Remove(batch))
        {
            _requestsInFlight--;
        }

        if (batch.Abandoned)
        {
            _bufferUsed -= batch.BufferBytes;
            batch.ReleasePayload();
            return;
        }

        if (response is not null)
        {
            CompleteBatchLocked(batch, response.BaseOffset, null, effects);
        }
        else
        {
            HandleFailureLocked(batch, error!, effects);
        }

        DrainLocked(queue, effects);
        DrainWaitingForSlotLocked(effects);
        PumpLocked(effects);
    }

    private void AddInFlightLocked(PartitionQueue queue, ProducerBatch batch)
    {
        queue.InFlight.Add(batch);
        _requestsInFlight++;
    }

    /// <summary>Queues the partition for the next free request slot (once: it sends all it may when its turn comes).</summary>
    private void WaitForSlotLocked(PartitionQueue queue)
    {
        if (!queue.WaitsForSlot)
        {
            queue.WaitsForSlot = true;
            _waitingForSlot.Enqueue(queue);
        }
    }

    /// <summary>Gives free request slots to the partitions waiting for one, oldest first. A partition that takes the
    /// last slot with more to send queues again behind the others.</summary>
    private void DrainWaitingForSlotLocked(Effects effects)
    {
        while (_requestsInFlight < Options.MaxInFlightRequests && _waitingForSlot.TryDequeue(out var waiting))
        {
            waiting.WaitsForSlot = false;
            DrainLocked(waiting, effects);
        }
    }

    private void HandleFailureLocked(ProducerBatch batch, RunnelException error, Effects effects)
    {
        var queue = batch.Queue;
        batch.MayBeStored |= error.IsOutcomeUnknown || error.Code == RunnelErrorCode.OutcomeUnknown;
        if (_fatal is not null)
        {
            CompleteBatchLocked(batch, -1, OwnOutcome(batch, _fatal), effects);
            return;
        }

        if (queue.NeedsReset)
        {
            // An earlier batch failed for good: this one, sent before that was known, is not retried under the old
            // sequence (the partition would refuse it for the gap), and it fails with what is known of its own fate.
            CompleteBatchLocked(batch, -1, OwnOutcome(batch, error), effects);
            return;
        }

        if (IsTransactional)
        {
            HandleTransactionalFailureLocked(batch, error, effects);
            return;
        }

        var retriable = Errors.IsRetriable(error);
        var outOfOrder = error.Code is RunnelErrorCode.OutOfOrderSequence or RunnelErrorCode.UnknownProducerId;
        if (outOfOrder)
        {
            batch.OutOfOrderCount++;
        }

        var oldest = IsOldestUnacknowledged(batch);
        if (error.Code == RunnelErrorCode.UnknownProducerId && oldest && batch.BaseSequence != 0 && !batch.MayBeStored)
        {
            // Every batch before this one was acknowledged, yet the partition knows nothing of us: its state for this
            // producer is gone (our records there were deleted). Nothing of ours after that is stored, so this batch
            // and those behind it are numbered again from 0 under a bumped epoch and resent.
            queue.NeedsResequence = true;
            retriable = true;
        }
        else if (error.Code == RunnelErrorCode.ProducerFenced
            || (outOfOrder && oldest && batch.OutOfOrderCount >= MaxOutOfOrderAttempts))
        {
            LogFatal(_logger, queue.Partition.ToString(), error.Code, error.Message);
            _fatal = error;
            CompleteBatchLocked(batch, -1, OwnOutcome(batch, error), effects);
            FailAllLocked(error, effects);
            return;
        }
        else if (outOfOrder)
        {
            // An earlier batch is missing at the partition (it failed, or is still on its way: requests can overtake
            // each other); the resend, alone and in order, settles it.
            retriable = true;
        }

        if (retriable && Now - batch.CreatedAt <= Options.DeliveryTimeout.Ticks)
        {
            var index = queue.Retry.FindIndex(b => b.SendOrder > batch.SendOrder);
            queue.Retry.Insert(index < 0 ? queue.Retry.Count : index, batch);
            // The backoff grows with this batch's own attempts (as Kafka's): the up to 5 batches in flight that fail
            // together on one owner change are one failure, not five doublings towards RetryBackoffMax.
            queue.RetryAt = Now + Errors.Backoff(batch.Attempts - 1, Options.RetryBackoff, Options.RetryBackoffMax).Ticks;
            LogRetriableFailure(_logger, queue.Partition.ToString(), batch.BaseSequence, error.Code, error.Message);
            return;
        }

        FailForGoodLocked(batch, error, retriable, effects);
        if (Options.EnableIdempotence)
        {
            queue.NeedsReset = true;
        }
    }

    /// <summary>
    /// A failed batch of a transactional producer. Retried as an idempotent one's (transport outcomes, an owner change,
    /// and out-of-order refusals that follow from an earlier batch's retry), unless the transaction has failed already.
    /// Otherwise it fails, the transaction becomes abortable, and — unlike an idempotent producer — the partition's
    /// sequence is not restarted under a bumped epoch of the client's own: the transaction can only be aborted, and the
    /// coordinator bumps the epoch when it ends. <see cref="RunnelErrorCode.ProducerFenced"/> stops the producer.
    /// </summary>
    private void HandleTransactionalFailureLocked(ProducerBatch batch, RunnelException error, Effects effects)
    {
        var queue = batch.Queue;
        if (error.Code == RunnelErrorCode.ProducerFenced)
        {
            LogFatal(_logger, queue.Partition.ToString(), error.Code, error.Message);
            _fatal = error;
            CompleteBatchLocked(batch, -1, OwnOutcome(batch, error), effects);
            FailAllLocked(error, effects);
            return;
        }

        var outOfOrder = error.Code is RunnelErrorCode.OutOfOrderSequence or RunnelErrorCode.UnknownProducerId;
        if (outOfOrder)
        {
            batch.OutOfOrderCount++;
        }

        var retriable = _txError is null
            && (Errors.IsRetriable(error) || outOfOrder)
            && !(outOfOrder && IsOldestUnacknowledged(batch) && batch.OutOfOrderCount >= MaxOutOfOrderAttempts);
        if (retriable && Now - batch.CreatedAt <= Options.DeliveryTimeout.Ticks)
        {
            var index = queue.Retry.FindIndex(b => b.SendOrder > batch.SendOrder);
            queue.Retry.Insert(index < 0 ? queue.Retry.Count : index, batch);
            queue.RetryAt = Now + Errors.Backoff(batch.Attempts - 1, Options.RetryBackoff, Options.RetryBackoffMax).Ticks;
            LogRetriableFailure(_logger, queue.Partition.ToString(), batch.BaseSequence, error.Code, error.Message);
            return;
        }

        FailForGoodLocked(batch, error, retriable, effects);
    }

    /// <summary>Fails a batch for good (a retriable error only once its delivery timeout passed), and the batches
    /// awaiting a resend behind it, each with its own outcome.</summary>
    private void FailForGoodLocked(ProducerBatch batch, RunnelException error, bool retriable, Effects effects)
    {
        var queue = batch.Queue;
        var final = retriable
            ? new RunnelException(RunnelErrorCode.DeliveryTimedOut,
                $"Not delivered to {queue.Partition} within DeliveryTimeout ({Options.DeliveryTimeout}) after {batch.Attempts} attempts; last error: {error.Message}",
                error, isRetriable: true, isOutcomeUnknown: batch.MayBeStored)
            : OwnOutcome(batch, error);
        CompleteBatchLocked(batch, -1, final, effects);

        // The batches waiting to be resent behind it would leave a gap in the sequence: they fail too, each with its own
        // outcome (stored or not is what its own attempts said, not what the failed batch's said).
        foreach (var behind in queue.Retry)
        {
            CompleteBatchLocked(behind, -1, new RunnelException(final.Code,
                $"Not delivered to {queue.Partition}: an earlier batch to the partition failed ({final.Message})"
                + (behind.MayBeStored ? "; an attempt of this batch had an unknown outcome, so its records may be stored." : "; this batch's records were not stored."),
                final, isRetriable: final.IsRetriable, isOutcomeUnknown: behind.MayBeStored), effects);
        }

        queue.Retry.Clear();
        queue.NeedsResequence = false;
    }

    /// <summary><paramref name="error"/> as the final outcome of <paramref name="batch"/>: flagged as possibly stored when
    /// any attempt of the batch had an unknown outcome, even if the error that ends it does not say so.</summary>
    private static RunnelException OwnOutcome(ProducerBatch batch, RunnelException error) =>
        batch.MayBeStored == error.IsOutcomeUnknown
            ? error
            : new RunnelException(error.Code,
                batch.MayBeStored ? $"{error.Message} (an earlier attempt's outcome is unknown: the records may be stored)" : error.Message,
                error, isRetriable: error.IsRetriable, isOutcomeUnknown: batch.MayBeStored);

    private static long OldestUnacknowledged(PartitionQueue queue)
    {
        var oldest = queue.SendCounter;
        foreach (var batch in queue.InFlight)
        {
            oldest = Math.Min(oldest, batch.SendOrder);
        }

        foreach (var batch in queue.Retry)
        {
            oldest = Math.Min(oldest, batch.SendOrder);
        }

        return oldest;
    }

    private static bool IsOldestUnacknowledged(ProducerBatch batch)
    {
        var queue = batch.Queue;
        return !queue.InFlight.Exists(b => b.SendOrder < batch.SendOrder) && !queue.Retry.Exists(b => b.SendOrder < batch.SendOrder);
    }

    /// <summary>Fails unsent batches older than the delivery timeout (they hold no sequence yet, so no gap follows).</summary>
    private void ExpireUnsentLocked(PartitionQueue queue, Effects effects)
    {
        var deadline = Now - Options.DeliveryTimeout.Ticks;
        while (queue.Unsent.First is { } node && node.Value.CreatedAt < deadline)
        {
            queue.Unsent.RemoveFirst();
            node.Value.Discard();
            CompleteBatchLocked(node.Value, -1, new RunnelException(RunnelErrorCode.DeliveryTimedOut,
                $"Not sent to {queue.Partition} within DeliveryTimeout ({Options.DeliveryTimeout}).", isRetriable: true), effects);
        }
    }

    /// <summary>Completes every record of a batch (success when <paramref name="error"/> is null) and frees its buffer.</summary>
    private void CompleteBatchLocked(ProducerBatch batch, long baseOffset, RunnelException? error, Effects effects)
    {
        var partition = batch.Queue.Partition;
        for (var i = 0; i < batch.Records.Count; i++)
        {
            var record = batch.Records[i];
            ForgetLocked(record.Epoch);
            effects.Complete(record.Handler, partition, error is null ? baseOffset + i : -1, record.Timestamp, error);
        }

        if (error is not null && batch.Records.Count > 0)
        {
            NoteTransactionFailureLocked(error, batch.Records.Count);
        }

        _bufferUsed -= batch.BufferBytes;
        batch.Records.Clear();
        batch.ReleasePayload();
    }

    /// <summary>Fails every record not in flight (waiting, unsent, awaiting retry); in-flight ones fail as they return.
    /// Records never sent are reported as not stored, batches awaiting a resend by what their own attempts said.</summary>
    private void FailAllLocked(RunnelException error, Effects effects)
    {
        var neverSent = error.IsOutcomeUnknown
            ? new RunnelException(error.Code, error.Message, error, error.IsRetriable, isOutcomeUnknown: false)
            : error;
        while (_waiting.First is { } node)
        {
            var record = node.Value;
            RemoveWaitingLocked(record);
            ForgetLocked(record);
            record.Accepted!.TrySetException(neverSent);
        }

        foreach (var topic in _topics.Values)
        {
            foreach (var queue in topic.Partitions)
            {
                foreach (var batch in queue.Unsent)
                {
                    batch.Discard();
                    CompleteBatchLocked(batch, -1, neverSent, effects);
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
        }
    }

    /// <summary>On close, after CloseTimeout: the batches whose requests are still unanswered are reported now, as
    /// possibly stored (they were sent), since nothing is left to deliver a later report. The requests themselves are
    /// cancelled by the shutdown; their payloads are released when the calls return.</summary>
    private void AbandonInFlightLocked(RunnelException error, Effects effects)
    {
        foreach (var topic in _topics.Values)
        {
            foreach (var queue in topic.Partitions)
            {
                foreach (var batch in queue.InFlight)
                {
                    batch.MayBeStored = true;
                    batch.Abandoned = true;
                    var partition = queue.Partition;
                    var outcome = OwnOutcome(batch, error);
                    foreach (var record in batch.Records)
                    {
                        ForgetLocked(record.Epoch);
                        effects.Complete(record.Handler, partition, -1, record.Timestamp, outcome);
                    }

                    batch.Records.Clear();
                }
            }
        }
    }

    private void RequestIdentityLocked(PartitionQueue queue, Effects effects)
    {
        if (queue.IdentityPending)
        {
            return;
        }

        queue.IdentityPending = true;
        if (queue.OwnIdentity)
        {
            effects.AllocateIdentity(queue);
            return;
        }

        if (_sharedIdentity is { } shared)
        {
            queue.IdentityPending = false;
            queue.Identity = shared;
            DrainLocked(queue, effects);
            return;
        }

        _identityWaiters.Add(queue);
        if (!_sharedIdentityRequested)
        {
            _sharedIdentityRequested = true;
            effects.AllocateSharedIdentity();
        }
    }

    private async Task AllocateSharedIdentityAsync()
    {
        var identity = await AllocateWithRetriesAsync().ConfigureAwait(false);
        var effects = new Effects(this);
        lock (_gate)
        {
            if (identity is not null)
            {
                _sharedIdentity = identity;
                foreach (var queue in _identityWaiters)
                {
                    queue.IdentityPending = false;
                    queue.Identity ??= identity;
                    DrainLocked(queue, effects);
                }

                _identityWaiters.Clear();
            }
        }

        effects.Run(this);
    }

    private async Task AllocateOwnIdentityAsync(PartitionQueue queue)
    {
        var identity = await AllocateWithRetriesAsync().ConfigureAwait(false);
        var effects = new Effects(this);
        lock (_gate)
        {
            if (identity is not null)
            {
                queue.IdentityPending = false;
                queue.Identity = identity;
                DrainLocked(queue, effects);
            }
        }

        effects.Run(this);
    }

    /// <summary>A fresh producer id, retrying retriable failures for up to <see cref="ProducerOptions.DeliveryTimeout"/>;
    /// null when that fails (the producer is then failed for good).</summary>
    private async Task<ProducerIdentity?> AllocateWithRetriesAsync()
    {
        var deadline = Now + Options.DeliveryTimeout.Ticks;
        for (var attempt = 0; ; attempt++)
        {
            RunnelException error;
            try
            {
                var identity = await _grains.GetGrain<IProducerIdGrain>(RunnelCluster.SingletonKey).AllocateAsync(_shutdown.Token).ConfigureAwait(false);
                LogIdentity(_logger, identity.ProducerId, identity.ProducerEpoch);
                return identity;
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
            {
                return null;
            }
#pragma warning disable CA1031 // classified below
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = Errors.From(ex);
            }

            if (Errors.IsRetriable(error) && Now < deadline)
            {
                try
                {
                    await Task.Delay(Errors.Backoff(attempt, Options.RetryBackoff, Options.RetryBackoffMax), _time, _shutdown.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }

                continue;
            }

            var effects = new Effects(this);
            lock (_gate)
            {
                var fatal = new RunnelException(error.Code, $"Could not get a producer id: {error.Message}", error);
                _fatal ??= fatal;
                FailAllLocked(fatal, effects);
            }

            effects.Run(this);
            return null;
        }
    }
}
