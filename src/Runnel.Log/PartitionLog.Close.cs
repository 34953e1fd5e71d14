using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Hands the partition back cleanly: stops taking appends, waits for queued ones to be written, seals the active
    /// segment, writes its index and marks the manifest <see cref="PartitionState.Released"/> with every segment
    /// described, so the next owner takes over without scanning anything. If a newer owner has already fenced this
    /// instance, there is nothing to hand back and this returns quietly.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        Task idle;
        lock (_gate)
        {
            if (_lifecycle != LifecycleState.Active)
            {
                return;
            }

            _lifecycle = LifecycleState.Closing;
            idle = _writerIdle.Task;
        }

        await idle.WaitAsync(cancellationToken).ConfigureAwait(false);

        // A checkpoint write still in flight lands before the hand-over, not after it (e.g. after a deleted topic's blobs were listed).
        await _checkpointWrite.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_lifecycle != LifecycleState.Closing)
                {
                    return; // fenced or faulted while draining
                }
            }

            await ReleaseAsync(cancellationToken).ConfigureAwait(false);
            Log.Released(_logger, Partition, Epoch, _nextOffset);
        }
        catch (Exception ex) when (ex is StorageException or NotOwnerException)
        {
            // The next owner's takeover recovers everything from the segments themselves.
            Log.ReleaseFailed(_logger, Partition, Epoch, ex);
        }
        finally
        {
            MarkClosed("closed");
        }
    }

    private async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        await _manifestLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReleaseLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _manifestLock.Release();
        }
    }

    private async Task ReleaseLockedAsync(CancellationToken cancellationToken)
    {
        Segment active;
        lock (_gate)
        {
            active = _segments[^1];
        }

        await RetryAsync(ct => _store.SealAsync(active.Descriptor.Name, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        var segments = _manifest.Segments.ToList();
        if (active.Length == 0)
        {
            segments.RemoveAt(segments.Count - 1);
        }
        else
        {
            var index = active.Index!;
            segments[^1] = active.Descriptor with { LastOffset = _nextOffset - 1, SealedLength = active.Length, MaxTimestamp = index.MaxTimestamp };
            await WriteIndexAsync(segments[^1], index, cancellationToken).ConfigureAwait(false);
        }

        var released = _manifest with { State = PartitionState.Released, Segments = segments, WriteId = NewWriteId() };
        if (!await TryCasManifestAsync(released, cancellationToken).ConfigureAwait(false))
        {
            throw new NotOwnerException(Partition, Epoch, "a newer owner took over during release");
        }
    }

    private void MarkClosed(string why)
    {
        List<PendingAppend> queued;
        lock (_gate)
        {
            if (_lifecycle is LifecycleState.Closing or LifecycleState.Active)
            {
                _lifecycle = LifecycleState.Closed;
                _terminalError ??= new LogClosedException(Partition, why);
            }

            queued = TakeAllQueued();
            _tail.Clear(); // no read is served from here on (not readable once closed, fenced or faulted)
            _roomAvailable.TrySetResult();
            _highWatermarkMoved.TrySetResult();
        }

        foreach (var pending in queued)
        {
            pending.Completion.TrySetException(new LogClosedException(Partition, why));
        }
    }

    /// <summary>Abandons this instance without handing the partition back (as a crash would, minus the crash): pending
    /// appends that were not yet written fail; the next owner's takeover recovers the tail. Use
    /// <see cref="CloseAsync"/> for a clean hand-over.</summary>
    public async ValueTask DisposeAsync()
    {
        Task idle;
        lock (_gate)
        {
            if (_lifecycle == LifecycleState.Active)
            {
                _lifecycle = LifecycleState.Closing;
            }

            idle = _writerIdle.Task;
        }

        await idle.ConfigureAwait(false);
        await _checkpointWrite.ConfigureAwait(false); // never throws: the write is best effort
        MarkClosed("disposed");
    }
}
