using Runnel.Log.Batches;
using Runnel.Log.Internal;
using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Appends one record batch (Kafka RecordBatch v2 bytes, as a producer built it). The log validates it, assigns its
    /// offsets (rewriting <c>baseOffset</c> and the partition leader epoch, both outside the CRC) as it queues it, and
    /// completes the task once the store has durably acknowledged the block carrying it. Batches that queue while a write
    /// is in flight go out together in the next block (group commit).
    /// </summary>
    /// <param name="batch">The batch. The log copies it before this method returns; the caller may reuse the buffer then.</param>
    /// <param name="cancellationToken">Cancels only the wait for room under backpressure; once queued, an append is not withdrawn.</param>
    /// <exception cref="CorruptRecordBatchException">The batch's framing or CRC is wrong; nothing was appended.</exception>
    /// <exception cref="RecordBatchTooLargeException">The batch exceeds <see cref="PartitionLogOptions.MaxBatchBytes"/>.</exception>
    /// <exception cref="NotOwnerException">This instance was fenced by a newer owner (retriable against the new owner).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted (retriable after a new takeover).</exception>
    public Task<LogAppendResult> AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Length > _options.MaxBatchBytes)
        {
            return Task.FromException<LogAppendResult>(new RecordBatchTooLargeException(Partition, batch.Length, _options.MaxBatchBytes));
        }

        ValidatedRecordBatch validated;
        try
        {
            validated = RecordBatch.ValidateForAppend(batch);
        }
        catch (Exception ex) when (ex is CorruptRecordBatchException or UnsupportedCompressionException)
        {
            return Task.FromException<LogAppendResult>(ex); // faults the task, as every other refusal of an append does
        }

        return AppendCheckedAsync(validated.Bytes, cancellationToken);
    }

    /// <summary>
    /// <see cref="AppendAsync(ReadOnlyMemory{byte}, CancellationToken)"/> of a batch the caller has validated already
    /// (<see cref="RecordBatch.ValidateForAppend"/>): the same contract without the second CRC pass and record walk.
    /// </summary>
    /// <param name="batch">The validated batch. The log copies it before this method returns.</param>
    /// <param name="cancellationToken">Cancels only the wait for room under backpressure; once queued, an append is not withdrawn.</param>
    /// <exception cref="ArgumentException"><paramref name="batch"/> is <c>default</c> (holds no batch).</exception>
    /// <exception cref="RecordBatchTooLargeException">The batch exceeds <see cref="PartitionLogOptions.MaxBatchBytes"/>.</exception>
    /// <exception cref="NotOwnerException">This instance was fenced by a newer owner (retriable against the new owner).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted (retriable after a new takeover).</exception>
    public Task<LogAppendResult> AppendAsync(ValidatedRecordBatch batch, CancellationToken cancellationToken = default) =>
        Refusal(batch) ?? AppendCheckedAsync(batch.Bytes, cancellationToken);

    /// <summary>The faulted append of a batch larger than <see cref="PartitionLogOptions.MaxBatchBytes"/>, or null when
    /// its size is acceptable.</summary>
    /// <exception cref="ArgumentException"><paramref name="batch"/> is <c>default</c> (holds no batch).</exception>
    private Task<LogAppendResult>? Refusal(ValidatedRecordBatch batch)
    {
        if (batch.Bytes.IsEmpty)
        {
            throw new ArgumentException("The validated batch is default: it holds no batch. Make one with RecordBatch.ValidateForAppend.", nameof(batch));
        }

        return batch.Bytes.Length > _options.MaxBatchBytes
            ? Task.FromException<LogAppendResult>(new RecordBatchTooLargeException(Partition, batch.Bytes.Length, _options.MaxBatchBytes))
            : null;
    }

    /// <summary>
    /// Queues <paramref name="batch"/> for appending now, unless the queue of unwritten bytes is full
    /// (<see cref="PartitionLogOptions.MaxPendingBytes"/>): then returns false, queues nothing, and the caller waits
    /// with <see cref="WaitForAppendRoomAsync"/> before trying again.
    /// </summary>
    /// <remarks>Unlike <see cref="AppendAsync(ValidatedRecordBatch, CancellationToken)"/> this never waits, so a caller
    /// that must decide and queue atomically (an idempotent producer's check-and-append under its own lock) queues in
    /// the order of its decisions: batches that waited for room inside an append could otherwise be queued in any
    /// order.</remarks>
    /// <param name="batch">The batch, validated by <see cref="RecordBatch.ValidateForAppend"/>.</param>
    /// <param name="append">The append's completion (as <see cref="AppendAsync(ValidatedRecordBatch, CancellationToken)"/>);
    /// already faulted when the batch exceeds the log's largest batch or the log is not accepting appends.</param>
    public bool TryAppend(ValidatedRecordBatch batch, out Task<LogAppendResult> append)
    {
        if (Refusal(batch) is { } refused)
        {
            append = refused;
            return true;
        }

        try
        {
            if (TryQueue(batch.Bytes, out var pending, out _))
            {
                append = pending.Completion.Task;
                return true;
            }
        }
        catch (RunnelException ex)
        {
            append = Task.FromException<LogAppendResult>(ex);
            return true;
        }

        append = Task.FromResult(default(LogAppendResult));
        return false;
    }

    /// <summary>Completes when the queue of unwritten bytes has room for <paramref name="bytes"/> more (at once when it
    /// has now, or when the log stops accepting appends: the next try then says why).</summary>
    public Task WaitForAppendRoomAsync(int bytes, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return _pendingBytes == 0 || _pendingBytes + bytes <= _options.MaxPendingBytes || _lifecycle != LifecycleState.Active
                ? Task.CompletedTask
                : RoomSignalLocked().WaitAsync(cancellationToken);
        }
    }

    /// <summary>The append of a batch that passed validation and the size limit.</summary>
    private async Task<LogAppendResult> AppendCheckedAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryQueue(batch, out var pending, out var room))
            {
                return await pending.Completion.Task.ConfigureAwait(false);
            }

            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues the batch into the block being filled (starting the writer when idle), or, when the queue of
    /// unwritten bytes is full, returns false with the signal of the next room.</summary>
    /// <exception cref="RunnelException">The log is not accepting appends (fenced, closed, faulted).</exception>
    private bool TryQueue(ReadOnlyMemory<byte> batch, out PendingAppend pending, out Task room)
    {
        var startWriter = false;
        lock (_gate)
        {
            ThrowIfNotAccepting();
            if (_pendingBytes + batch.Length > _options.MaxPendingBytes && _pendingBytes > 0)
            {
                pending = null!;
                room = RoomSignalLocked();
                return false;
            }

            pending = QueueIntoBlock(batch.Span);
            room = Task.CompletedTask;
            if (!_writerRunning)
            {
                _writerRunning = true;
                _writerIdle = NewSignal(completed: false);
                startWriter = true;
            }
        }

        if (startWriter)
        {
            _ = Task.Run(WriterLoopAsync, CancellationToken.None);
        }

        return true;
    }

    private Task RoomSignalLocked()
    {
        if (_roomAvailable.Task.IsCompleted)
        {
            _roomAvailable = NewSignal(completed: false);
        }

        return _roomAvailable.Task;
    }

    /// <summary>Copies a validated batch into the block being filled, with its offsets assigned. Caller holds the gate.</summary>
    private PendingAppend QueueIntoBlock(ReadOnlySpan<byte> batch)
    {
        // A batch larger than a block is a block of its own (written in parts): nothing joins it.
        var limit = Math.Max(_options.MaxBlockBytes, batch.Length);
        if (_filling is null || _filling.Length + batch.Length > _options.MaxBlockBytes)
        {
            if (_filling is not null)
            {
                _full.Enqueue(_filling);
            }

            // Sized like the last block written: group commit makes consecutive blocks similar, so it rarely grows.
            _filling = new BlockBuilder(Math.Clamp(_lastBlockBytes, batch.Length, limit), _assignOffset);
        }

        var block = _filling;
        block.Reserve(batch.Length, limit);
        var target = block.Buffer.AsSpan(block.Length, batch.Length);
        batch.CopyTo(target);
        RecordBatch.SetBaseOffset(target, _assignOffset);
        RecordBatch.SetPartitionLeaderEpoch(target, unchecked((int)_manifest.Epoch));
        var summary = SegmentScanner.Summarize(target, block.Length);
        var pending = new PendingAppend(new LogAppendResult(summary.BaseOffset, summary.LastOffset));
        block.Batches.Add(summary);
        block.Appends.Add(pending);
        block.Length += batch.Length;
        block.NextOffset = summary.LastOffset + 1;
        _assignOffset = block.NextOffset;
        _pendingBytes += batch.Length;
        return pending;
    }

    private void ThrowIfNotAccepting()
    {
        switch (_lifecycle)
        {
            case LifecycleState.Active:
                return;
            case LifecycleState.Fenced:
                throw _terminalError as NotOwnerException ?? new NotOwnerException(Partition, Epoch, "fenced");
            default:
                throw new LogClosedException(Partition, _lifecycle.ToString().ToLowerInvariant(), _terminalError);
        }
    }

    /// <summary>The single writer: takes the next full block (or the one being filled), writes it, publishes, repeats
    /// until nothing is queued.</summary>
    private async Task WriterLoopAsync()
    {
        while (true)
        {
            BlockBuilder? block;
            lock (_gate)
            {
                block = _lifecycle is LifecycleState.Active or LifecycleState.Closing
                    ? _full.Count > 0 ? _full.Dequeue() : _filling
                    : null;
                if (block is null)
                {
                    _writerRunning = false;
                    _writerIdle.TrySetResult();
                    return;
                }

                if (block == _filling)
                {
                    _filling = null;
                }

                _pendingBytes -= block.Length;
                _lastBlockBytes = block.Length;
                _roomAvailable.TrySetResult();
            }

            try
            {
                await WriteBlockAsync(block).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Terminate(ex, block.Appends);
                return;
            }
        }
    }

    /// <summary>Writes one block at the active segment's end, rolling first when the segment is full, then publishes it.</summary>
    private async Task WriteBlockAsync(BlockBuilder block)
    {
        Segment active;
        lock (_gate)
        {
            active = _segments[^1];
        }

        var parts = (block.Length + _options.MaxBlockBytes - 1) / _options.MaxBlockBytes;
        if (active.Length > 0 && (active.Length + block.Length > _options.SegmentBytes || _activeBlocks + parts > _options.MaxBlocksPerSegment))
        {
            active = await RollAsync(active).ConfigureAwait(false);
        }

        var position = active.Length;
        var data = block.Data;
        for (var written = 0; written < data.Length; written += _options.MaxBlockBytes)
        {
            // One store append per part; the block is published (and its appends acknowledged) after the last.
            await AppendBlockAsync(active.Descriptor.Name, data.Slice(written, Math.Min(_options.MaxBlockBytes, data.Length - written)), position + written).ConfigureAwait(false);
        }

        _nextOffset = block.NextOffset;
        _activeBlocks += parts;
        lock (_gate)
        {
            foreach (var summary in block.Batches)
            {
                active.Index!.OnBatch(summary.BaseOffset, position + summary.Position, summary.MaxTimestamp, _options.IndexIntervalBytes);
                _transactions.Apply(summary);
            }

            active.Length += block.Length;
            _tail.Add(new TailCache.Block(block.BaseOffset, block.NextOffset - 1, block.Publish().Memory));
            _highWatermark = block.NextOffset;
            _highWatermarkMoved.TrySetResult();
            _highWatermarkMoved = NewSignal(completed: false);
        }

        foreach (var pending in block.Appends)
        {
            pending.Completion.TrySetResult(pending.Result);
        }

        TrackForCheckpoint(active, block, position);
        Log.Appended(_logger, Partition, block.BaseOffset, block.NextOffset - 1, block.Length, block.Appends.Count);
    }

    /// <summary>
    /// Appends a block at <paramref name="position"/> of our segment. An unknown outcome (lost response, timeout) is
    /// resolved by asking the store whether the block landed — the segment's length and the bytes at the position —
    /// so a block is neither duplicated nor lost. A failed precondition or a sealed segment means a newer owner has
    /// taken over: this instance is fenced.
    /// </summary>
    private async Task AppendBlockAsync(string segment, ReadOnlyMemory<byte> block, long position)
    {
        var outcomeUnknown = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (outcomeUnknown)
                {
                    switch (await ProbeBlockAsync(segment, block, position).ConfigureAwait(false))
                    {
                        case BlockProbe.Landed:
                            return;
                        case BlockProbe.Foreign:
                            throw new NotOwnerException(Partition, Epoch, $"segment '{segment}' holds bytes this instance did not write at {position}");
                    }
                }

                await _store.AppendBlockAsync(segment, block, AppendCondition.AtPosition(position)).ConfigureAwait(false);
                return;
            }
            catch (StorageException ex) when (ex is PreconditionFailedException or BlobSealedException or BlobNotFoundException)
            {
                if (outcomeUnknown && await ProbeBlockAsync(segment, block, position).ConfigureAwait(false) == BlockProbe.Landed)
                {
                    return;
                }

                throw new NotOwnerException(Partition, Epoch, $"append to '{segment}' at {position} failed: {ex.Message}", ex);
            }
            catch (StorageException ex) when (ex.IsRetriable && attempt < _options.MaxStorageRetries)
            {
                outcomeUnknown |= ex.IsOutcomeUnknown;
                Log.AppendRetry(_logger, segment, position, attempt + 1, ex.Message);
                await BackoffAsync(_options, attempt, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private enum BlockProbe
    {
        NotLanded,
        Landed,
        Foreign,
    }

    private async Task<BlockProbe> ProbeBlockAsync(string segment, ReadOnlyMemory<byte> block, long position)
    {
        var properties = await _store.GetPropertiesAsync(segment).ConfigureAwait(false);
        if (properties.Length == position)
        {
            return BlockProbe.NotLanded;
        }

        if (properties.Length < position + block.Length)
        {
            return BlockProbe.Foreign;
        }

        var stored = await _store.GetAsync(segment, new ByteRange(position, block.Length)).ConfigureAwait(false);
        return stored.Content.Span.SequenceEqual(block.Span) ? BlockProbe.Landed : BlockProbe.Foreign;
    }

    /// <summary>Seals the full active segment, writes its index, creates the next one and records both in the manifest
    /// (one CAS). Appends go to the new segment only after the manifest lists it, so nothing acknowledged ever lives in
    /// a segment the manifest does not name.</summary>
    private async Task<Segment> RollAsync(Segment full)
    {
        await _manifestLock.WaitAsync().ConfigureAwait(false);
        try
        {
            return await RollLockedAsync(full).ConfigureAwait(false);
        }
        finally
        {
            _manifestLock.Release();
        }
    }

    private async Task<Segment> RollLockedAsync(Segment full)
    {
        await RetryAsync(ct => _store.SealAsync(full.Descriptor.Name, cancellationToken: ct), CancellationToken.None).ConfigureAwait(false);
        SegmentIndex index;
        lock (_gate)
        {
            index = full.Index!;
        }

        var sealedDescriptor = full.Descriptor with { LastOffset = _nextOffset - 1, SealedLength = full.Length, MaxTimestamp = index.MaxTimestamp };
        await WriteIndexAsync(sealedDescriptor, index, CancellationToken.None).ConfigureAwait(false);

        var next = new SegmentDescriptor(_paths.Segment(_manifest.Epoch, _nextOffset), _manifest.Epoch, _nextOffset, null, null, -1);
        await CreateSegmentAsync(next.Name, CancellationToken.None).ConfigureAwait(false);
        var segments = _manifest.Segments.ToList();
        segments[^1] = sealedDescriptor;
        segments.Add(next);
        var manifest = _manifest with { Segments = segments, WriteId = NewWriteId() };
        if (!await TryCasManifestAsync(manifest, CancellationToken.None).ConfigureAwait(false))
        {
            throw new NotOwnerException(Partition, Epoch, "the manifest changed under a segment roll");
        }

        var segment = new Segment(next) { Index = new SegmentIndex() };
        lock (_gate)
        {
            full.Descriptor = sealedDescriptor;
            _segments.Add(segment);
        }

        _activeBlocks = 0;
        _checkpointProducers.Clear();
        _blocksSinceCheckpoint = 0;
        Log.Rolled(_logger, Partition, full.Descriptor.Name, next.Name);
        return segment;
    }

    /// <summary>Notes a written block's batches for the tail checkpoint and, every
    /// <see cref="PartitionLogOptions.CheckpointIntervalBlocks"/> blocks, starts writing one (at most one write in
    /// flight; the appends do not wait for it). Writer-owned.</summary>
    private void TrackForCheckpoint(Segment active, BlockBuilder block, long position)
    {
        if (_options.CheckpointIntervalBlocks == 0)
        {
            return;
        }

        foreach (var batch in block.Batches)
        {
            var stored = batch with { Position = position + batch.Position };
            _checkpointLastBatch = stored;
            if (stored.ProducerId >= 0)
            {
                if (!_checkpointProducers.TryGetValue(stored.ProducerId, out var recent))
                {
                    _checkpointProducers[stored.ProducerId] = recent = new Queue<BatchSummary>();
                }

                recent.Enqueue(stored);
                if (recent.Count > _options.CheckpointBatchesPerProducer)
                {
                    recent.Dequeue();
                }
            }
        }

        if (++_blocksSinceCheckpoint < _options.CheckpointIntervalBlocks || Interlocked.CompareExchange(ref _checkpointInFlight, 1, 0) != 0)
        {
            return;
        }

        _blocksSinceCheckpoint = 0;
        byte[] offsets, times;
        long length, maxTimestamp;
        TransactionSnapshot transactions;
        lock (_gate)
        {
            transactions = _transactions.ToSnapshot(_logStartOffset);
            offsets = active.Index!.SerializeOffsets();
            times = active.Index.SerializeTimes();
            maxTimestamp = active.Index.MaxTimestamp;
            length = active.Length;
        }

        var producerBatches = _checkpointProducers.Values.SelectMany(q => q).OrderBy(b => b.BaseOffset).ToList();
        var checkpoint = new TailCheckpoint(active.Descriptor.Name, _manifest.WriteId, length, maxTimestamp, _checkpointLastBatch, producerBatches, offsets, times, transactions);
        _checkpointWrite = WriteCheckpointAsync(checkpoint);
    }

    /// <summary>Writes a tail checkpoint. Best effort: it is only a hint to the next owner, so a failure costs the next
    /// takeover time, never correctness; it is logged at debug level.</summary>
    private async Task WriteCheckpointAsync(TailCheckpoint checkpoint)
    {
        try
        {
            await Task.Yield();
            await _store.PutAsync(_paths.TailCheckpoint, checkpoint.Serialize()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or ObjectDisposedException or OperationCanceledException)
        {
            Log.CheckpointWriteFailed(_logger, Partition, checkpoint.Position, ex.Message);
        }
        finally
        {
            Volatile.Write(ref _checkpointInFlight, 0);
        }
    }

    /// <summary>Every append still queued (full blocks and the one being filled); the queue is left empty. Caller holds the gate.</summary>
    private List<PendingAppend> TakeAllQueued()
    {
        var queued = new List<PendingAppend>();
        while (_full.Count > 0)
        {
            queued.AddRange(_full.Dequeue().Appends);
        }

        if (_filling is not null)
        {
            queued.AddRange(_filling.Appends);
            _filling = null;
        }

        _pendingBytes = 0;
        return queued;
    }

    /// <summary>Ends this instance after an error it cannot recover from: fenced or faulted. Fails the block being
    /// written and everything queued, and wakes every waiter.</summary>
    private void Terminate(Exception error, List<PendingAppend> inFlight)
    {
        var fenced = error as NotOwnerException;
        Exception failure = fenced ?? (Exception)new LogClosedException(Partition, "a storage failure could not be resolved; reopen to recover", error);
        List<PendingAppend> queued;
        lock (_gate)
        {
            _lifecycle = fenced is not null ? LifecycleState.Fenced : LifecycleState.Faulted;
            _terminalError = failure;
            queued = TakeAllQueued();
            _tail.Clear();
            _writerRunning = false;
            _writerIdle.TrySetResult();
            _roomAvailable.TrySetResult();
            _highWatermarkMoved.TrySetResult();
        }

        if (fenced is not null)
        {
            Log.Fenced(_logger, Partition, Epoch, fenced.Message);
        }
        else
        {
            Log.Faulted(_logger, Partition, Epoch, error);
        }

        foreach (var pending in inFlight.Concat(queued))
        {
            pending.Completion.TrySetException(failure);
        }
    }
}
