using Runnel.Log.Batches;
using Runnel.Log.Internal;
using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Appends one record batch (Kafka RecordBatch v2 bytes, as a producer built it). The log validates it, assigns its
    /// offsets (rewriting <c>baseOffset</c> and the partition leader epoch, both outside the CRC), and completes the task
    /// once the store has durably acknowledged the block carrying it. Batches that queue while a write is in flight go out
    /// together in the next block (group commit).
    /// </summary>
    /// <param name="batch">The batch. The log copies it before this method returns; the caller may reuse the buffer then.</param>
    /// <param name="cancellationToken">Cancels only the wait for room under backpressure; once queued, an append is not withdrawn.</param>
    /// <exception cref="CorruptRecordBatchException">The batch's framing or CRC is wrong; nothing was appended.</exception>
    /// <exception cref="RecordBatchTooLargeException">The batch exceeds <see cref="PartitionLogOptions.MaxBatchBytes"/>.</exception>
    /// <exception cref="NotOwnerException">This instance was fenced by a newer owner (retriable against the new owner).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted (retriable after a new takeover).</exception>
    public async Task<LogAppendResult> AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Length > _options.MaxBatchBytes)
        {
            throw new RecordBatchTooLargeException(Partition, batch.Length, _options.MaxBatchBytes);
        }

        RecordBatch.Validate(batch.Span);
        var pending = new PendingAppend(batch.ToArray());
        while (true)
        {
            Task room;
            var startWriter = false;
            lock (_gate)
            {
                ThrowIfNotAccepting();
                if (_pendingBytes + pending.Batch.Length > _options.MaxPendingBytes && _pending.Count > 0)
                {
                    if (_roomAvailable.Task.IsCompleted)
                    {
                        _roomAvailable = NewSignal(completed: false);
                    }

                    room = _roomAvailable.Task;
                }
                else
                {
                    _pending.Add(pending);
                    _pendingBytes += pending.Batch.Length;
                    if (!_writerRunning)
                    {
                        _writerRunning = true;
                        _writerIdle = NewSignal(completed: false);
                        startWriter = true;
                    }

                    room = Task.CompletedTask;
                }
            }

            if (room.IsCompleted)
            {
                if (startWriter)
                {
                    _ = Task.Run(WriterLoopAsync, CancellationToken.None);
                }

                return await pending.Completion.Task.ConfigureAwait(false);
            }

            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
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

    /// <summary>The single writer: takes what queued, writes it as one block, publishes, repeats until the queue is empty.</summary>
    private async Task WriterLoopAsync()
    {
        while (true)
        {
            List<PendingAppend> group = [];
            lock (_gate)
            {
                if (_pending.Count == 0 || _lifecycle is not (LifecycleState.Active or LifecycleState.Closing))
                {
                    _writerRunning = false;
                    _writerIdle.TrySetResult();
                    return;
                }

                var bytes = 0L;
                var take = 0;
                while (take < _pending.Count && (take == 0 || bytes + _pending[take].Batch.Length <= _options.MaxBlockBytes))
                {
                    bytes += _pending[take].Batch.Length;
                    take++;
                }

                group.AddRange(_pending.GetRange(0, take));
                _pending.RemoveRange(0, take);
                _pendingBytes -= bytes;
                _roomAvailable.TrySetResult();
            }

            try
            {
                await WriteGroupAsync(group).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Terminate(ex, group);
                return;
            }
        }
    }

    /// <summary>Writes one group as one append block at the active segment's end, rolling first when the segment is full.</summary>
    private async Task WriteGroupAsync(List<PendingAppend> group)
    {
        var size = 0;
        foreach (var pending in group)
        {
            size += pending.Batch.Length;
        }

        Segment active;
        lock (_gate)
        {
            active = _segments[^1];
        }

        if (active.Length > 0 && (active.Length + size > _options.SegmentBytes || _activeBlocks >= _options.MaxBlocksPerSegment))
        {
            active = await RollAsync(active).ConfigureAwait(false);
        }

        var block = GC.AllocateUninitializedArray<byte>(size); // every byte is overwritten below
        var results = new LogAppendResult[group.Count];
        var summaries = new BatchSummary[group.Count];
        var at = 0;
        var offset = _nextOffset;
        for (var i = 0; i < group.Count; i++)
        {
            var target = block.AsSpan(at, group[i].Batch.Length);
            group[i].Batch.Span.CopyTo(target);
            RecordBatch.SetBaseOffset(target, offset);
            RecordBatch.SetPartitionLeaderEpoch(target, unchecked((int)_manifest.Epoch));
            summaries[i] = SegmentScanner.Summarize(target, active.Length + at);
            results[i] = new LogAppendResult(summaries[i].BaseOffset, summaries[i].LastOffset);
            offset = summaries[i].LastOffset + 1;
            at += target.Length;
        }

        await AppendBlockAsync(active.Descriptor.Name, block, active.Length).ConfigureAwait(false);

        _nextOffset = offset;
        _activeBlocks++;
        lock (_gate)
        {
            foreach (var summary in summaries)
            {
                active.Index!.OnBatch(summary.BaseOffset, summary.Position, summary.MaxTimestamp, _options.IndexIntervalBytes);
            }

            active.Length += block.Length;
            _tail.Add(new TailCache.Block(results[0].BaseOffset, results[^1].LastOffset, block));
            _highWatermark = offset;
            _highWatermarkMoved.TrySetResult();
            _highWatermarkMoved = NewSignal(completed: false);
        }

        for (var i = 0; i < group.Count; i++)
        {
            group[i].Completion.TrySetResult(results[i]);
        }

        Log.Appended(_logger, Partition, results[0].BaseOffset, offset - 1, block.Length, group.Count);
    }

    /// <summary>
    /// Appends a block at <paramref name="position"/> of our segment. An unknown outcome (lost response, timeout) is
    /// resolved by asking the store whether the block landed — the segment's length and the bytes at the position —
    /// so a block is neither duplicated nor lost. A failed precondition or a sealed segment means a newer owner has
    /// taken over: this instance is fenced.
    /// </summary>
    private async Task AppendBlockAsync(string segment, byte[] block, long position)
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

    private async Task<BlockProbe> ProbeBlockAsync(string segment, byte[] block, long position)
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
        return stored.Content.Span.SequenceEqual(block) ? BlockProbe.Landed : BlockProbe.Foreign;
    }

    /// <summary>Seals the full active segment, writes its index, creates the next one and records both in the manifest
    /// (one CAS). Appends go to the new segment only after the manifest lists it, so nothing acknowledged ever lives in
    /// a segment the manifest does not name.</summary>
    private async Task<Segment> RollAsync(Segment full)
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
        Log.Rolled(_logger, Partition, full.Descriptor.Name, next.Name);
        return segment;
    }

    /// <summary>Ends this instance after an error it cannot recover from: fenced or faulted. Fails the group being
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
            queued = [.. _pending];
            _pending.Clear();
            _pendingBytes = 0;
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
