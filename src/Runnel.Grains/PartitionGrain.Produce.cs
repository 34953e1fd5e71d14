using System.Diagnostics;
using Runnel.Log;
using Runnel.Log.Batches;

namespace Runnel.Grains;

public sealed partial class PartitionGrain
{
    /// <summary>
    /// Validates the batch (size against the topic's <c>max.message.bytes</c>, framing and CRC; control batches are refused:
    /// only <see cref="WriteTransactionMarkerAsync"/> writes them), deduplicates idempotent and transactional producers
    /// (a transactional batch opens the producer's transaction here, which holds the last stable offset back until its
    /// marker) and appends.
    /// Thread-safe: runs beside every other call. Concurrent produce requests meet in the log's queue and share one
    /// storage write (group commit).
    /// </summary>
    /// <remarks>Cost: one CRC pass and record walk here (the log takes the validated batch as it is); the append itself is one storage write shared with the
    /// batches that queued beside it. An idempotent producer's batch is checked and queued under one lock, so its
    /// batches reach the log in sequence order.</remarks>
    public async ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var log = ServingLog();
        var batch = request.Batch;
        using var activity = StartActivity("runnel.produce");
        activity?.SetTag("messaging.message.body.size", batch.Length);
        RefreshSettingsIfDue();
        if (batch.Length > _settings.MaxMessageBytes)
        {
            // The limit may have been raised since it was read: look again before refusing.
            await RefreshSettingsAsync(cancellationToken);
            if (batch.Length > _settings.MaxMessageBytes)
            {
                throw new RunnelException(
                    RunnelErrorCode.RecordBatchTooLarge,
                    $"Record batch of {batch.Length} bytes exceeds max.message.bytes = {_settings.MaxMessageBytes} of topic '{_topic}' (partition {_partition}).");
            }
        }

        // A batch over one append block leases its size of the silo's budget for large batches until it is acknowledged.
        using var lease = batch.Length > _options.PartitionLog.MaxBlockBytes
            ? await _largeBatches.AcquireAsync(batch.Length, cancellationToken)
            : default;
        var validated = RecordBatch.ValidateForAppend(batch);
        var header = RecordBatchHeader.Read(batch.Span);
        if (header.IsControlBatch)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Partition '{Name}' refuses a control batch from a producer: only transaction coordinators write them.");
        }

        if (header.IsTransactional && (header.ProducerId < 0 || header.BaseSequence < 0))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Partition '{Name}' refuses a transactional batch without a producer id and sequence (producer {header.ProducerId}, sequence {header.BaseSequence}).");
        }

        if (!header.IsTransactional && header.ProducerId >= 0 && log.HasOpenTransaction(header.ProducerId))
        {
            throw new RunnelException(
                RunnelErrorCode.InvalidTransactionState,
                $"Partition '{Name}' refuses a non-transactional batch of producer {header.ProducerId}: it has a transaction open here; commit or abort it first.");
        }

        try
        {
            if (header.ProducerId < 0)
            {
                var appended = await AwaitDurableAsync(log.AppendAsync(validated, CancellationToken.None), batch.Length, header.RecordCount);
                await SaveProducerStateIfDueAsync(batch.Length);
                return new ProduceResponse(appended.BaseOffset, appended.LastOffset, log.LogStartOffset, IsDuplicate: false);
            }

            if (header.BaseSequence < 0)
            {
                throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Batch of producer {header.ProducerId} has no base sequence (-1); an idempotent batch numbers its records.");
            }

            Task<LogAppendResult> append;
            bool duplicate;
            var gapDeadline = _time.GetUtcNow() + _options.SequenceGapWait;
            while (true)
            {
                Task changed;
                lock (_producersGate)
                {
                    if (!_producers.IsAhead(header.ProducerId, header.ProducerEpoch, header.BaseSequence) || _time.GetUtcNow() >= gapDeadline)
                    {
                        break;
                    }

                    changed = _producers.Changed;
                }

                // An earlier request of this producer may still be on its way (interleaved requests can overtake each
                // other): wait for the producer's state to move, bounded, so batches are admitted in sequence order.
                try
                {
                    await changed.WaitAsync(TimeSpan.FromTicks(Math.Max(1, (gapDeadline - _time.GetUtcNow()).Ticks)), _time, cancellationToken);
                }
                catch (TimeoutException)
                {
                }
            }

            while (true)
            {
                lock (_producersGate)
                {
                    var original = _producers.Check(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.LastSequence, Name);
                    duplicate = original is not null;
                    if (original is not null)
                    {
                        append = original;
                        break;
                    }

                    // Queued inside the lock, or not at all (never waiting for room in between): sequence order is
                    // log order. A refused batch (too large, log closed) leaves the producer's state as it was.
                    if (log.TryAppend(validated, out append))
                    {
                        if (!append.IsFaulted)
                        {
                            _producers.Record(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.LastSequence, append);
                        }

                        break;
                    }
                }

                await log.WaitForAppendRoomAsync(batch.Length, cancellationToken);
            }

            var result = duplicate
                ? await append
                : await AwaitDurableAsync(append, batch.Length, header.RecordCount);
            if (duplicate)
            {
                _instruments.Duplicates.Add(1, _tag);
                LogDuplicate(_logger, Name, header.ProducerId, header.BaseSequence, result.BaseOffset);
            }
            else
            {
                await SaveProducerStateIfDueAsync(batch.Length);
            }

            return new ProduceResponse(result.BaseOffset, result.LastOffset, log.LogStartOffset, duplicate);
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    /// <summary>Waits for an append that is already queued in the log, counting it in flight meanwhile and timing it
    /// to durable.</summary>
    private async Task<LogAppendResult> AwaitDurableAsync(Task<LogAppendResult> append, int bytes, int records)
    {
        var queued = Stopwatch.GetTimestamp();
        _instruments.AppendsInFlight.Add(1, _tag);
        try
        {
            var result = await append;
            _instruments.AppendDuration.Record(Stopwatch.GetElapsedTime(queued).TotalSeconds, _topicTag);
            _instruments.ProducedBatches.Add(1, _tag);
            _instruments.ProducedRecords.Add(records, _tag);
            _instruments.ProducedBytes.Add(bytes, _tag);
            return result;
        }
        finally
        {
            _instruments.AppendsInFlight.Add(-1, _tag);
        }
    }

    private void RefreshSettingsIfDue()
    {
        if (_time.GetUtcNow() - _settings.ReadAt < _options.ConfigRefreshInterval || Interlocked.Exchange(ref _refreshing, 1) != 0)
        {
            return;
        }

        _ = RefreshInBackgroundAsync();
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshSettingsAsync(_stopping);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            LogConfigRefreshFailed(_logger, Name, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    /// <summary>Re-reads the topic's config (one storage read). A topic that is gone keeps the last settings: deletion
    /// stops the partition through <see cref="RetireAsync"/>.</summary>
    private async Task RefreshSettingsAsync(CancellationToken cancellationToken)
    {
        var meta = await ReadTopicAsync(cancellationToken);
        if (meta is { IsActive: true })
        {
            _settings = TopicSettings.From(meta, _time.GetUtcNow());
        }
    }
}
