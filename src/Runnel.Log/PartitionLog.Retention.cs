using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Deletes the oldest sealed segments that <paramref name="policy"/> no longer keeps: the manifest drops them and
    /// moves the log start offset to the first segment kept (one conditional write, serialized with segment rolls), then
    /// their blobs and indexes are deleted. Reads below the new log start fail with
    /// <see cref="OffsetOutOfRangeException"/>; appends are not held up.
    /// </summary>
    /// <returns>How many segments were deleted (0 when the policy keeps everything there is).</returns>
    /// <exception cref="NotOwnerException">The manifest changed under us: a newer owner took over (this instance is
    /// fenced from then on).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted.</exception>
    public Task<int> EnforceRetentionAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        return DeleteOldestSegmentsAsync(() => (CountExpired(policy, now), 0), cancellationToken);
    }

    /// <summary>
    /// Deletes the oldest sealed segments whose every offset is below <paramref name="offset"/> (for a log whose state
    /// up to there is kept elsewhere, e.g. in a snapshot), as <see cref="EnforceRetentionAsync"/> does: the log start
    /// moves to the first segment kept, which may be below <paramref name="offset"/> (whole segments only).
    /// </summary>
    /// <returns>How many segments were deleted.</returns>
    /// <exception cref="NotOwnerException">A newer owner took over (this instance is fenced from then on).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted.</exception>
    public Task<int> DeleteSegmentsBelowAsync(long offset, CancellationToken cancellationToken = default) =>
        DeleteOldestSegmentsAsync(() => (CountBelow(offset), 0), cancellationToken);

    /// <summary>
    /// Kafka's DeleteRecords: moves the log start offset up to <paramref name="beforeOffset"/> (the high watermark when
    /// -1), so that reads below it fail with <see cref="OffsetOutOfRangeException"/>, and deletes the sealed segments
    /// that lie wholly below it (one conditional manifest write, serialized with rolls and retention). Records at and
    /// above it are untouched; an offset at or below the current log start changes nothing.
    /// </summary>
    /// <returns>The log start offset afterwards (Kafka's low watermark).</returns>
    /// <exception cref="OffsetOutOfRangeException"><paramref name="beforeOffset"/> is above the high watermark, or
    /// negative other than -1.</exception>
    /// <exception cref="NotOwnerException">A newer owner took over (this instance is fenced from then on).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted.</exception>
    public async Task<long> DeleteRecordsAsync(long beforeOffset, CancellationToken cancellationToken = default)
    {
        await DeleteOldestSegmentsAsync(
            () =>
            {
                var target = beforeOffset == -1 ? _highWatermark : beforeOffset;
                if (target < 0 || target > _highWatermark)
                {
                    throw new OffsetOutOfRangeException(_paths.DisplayName, beforeOffset, _logStartOffset, _highWatermark);
                }

                return (CountBelow(target), target);
            },
            cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return _logStartOffset;
        }
    }

    /// <summary>Drops the first <c>Count</c> segments <paramref name="plan"/> names (evaluated under the gate, holding the
    /// manifest lock) from the manifest, then deletes their blobs. The log start moves to the first segment kept, or to
    /// the plan's <c>LogStart</c> when that is higher (DeleteRecords; 0 otherwise); it never moves down.</summary>
    private async Task<int> DeleteOldestSegmentsAsync(Func<(int Count, long LogStart)> plan, CancellationToken cancellationToken)
    {
        await _manifestLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        List<SegmentDescriptor> deleted;
        try
        {
            int count;
            long newStart;
            lock (_gate)
            {
                ThrowIfNotAccepting();
                (count, var requestedStart) = plan();
                var firstKept = count == 0 ? 0 : _manifest.Segments[count].BaseOffset;
                newStart = Math.Max(_manifest.LogStartOffset, Math.Max(firstKept, requestedStart));
            }

            if (newStart == _manifest.LogStartOffset && count == 0)
            {
                return 0;
            }

            deleted = _manifest.Segments.Take(count).ToList();
            var kept = _manifest.Segments.Skip(count).ToList();
            var manifest = _manifest with { Segments = kept, LogStartOffset = newStart, WriteId = NewWriteId() };
            if (!await TryCasManifestAsync(manifest, cancellationToken).ConfigureAwait(false))
            {
                var fenced = new NotOwnerException(Partition, Epoch, "the manifest changed under retention");
                Terminate(fenced, []);
                throw fenced;
            }

            lock (_gate)
            {
                _segments.RemoveRange(0, count);
                _logStartOffset = manifest.LogStartOffset;
            }

            Log.RetentionDeleted(_logger, Partition, count, manifest.LogStartOffset);
        }
        finally
        {
            _manifestLock.Release();
        }

        // No longer in the manifest: whatever happens below, nothing reads them again (a failed delete leaves an orphan
        // blob, never a hole in the log).
        foreach (var segment in deleted)
        {
            foreach (var blob in new[] { segment.Name, PartitionPaths.OffsetIndexOf(segment.Name), PartitionPaths.TimeIndexOf(segment.Name) })
            {
                try
                {
                    await _store.DeleteAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (BlobNotFoundException)
                {
                }
                catch (StorageException ex)
                {
                    Log.RetentionDeleteFailed(_logger, blob, ex.Message);
                }
            }
        }

        return deleted.Count;
    }

    /// <summary>How many of the oldest segments the policy lets go. Caller holds the gate.</summary>
    private int CountExpired(RetentionPolicy policy, DateTimeOffset now) =>
        CountExpired(_segments.Select(s => (s.Descriptor, s.Length)).ToList(), policy, now);

    /// <summary>How many of the oldest of <paramref name="segments"/> (in offset order, the active one last) the policy
    /// lets go: sealed ones only, a prefix, each either older than <see cref="RetentionPolicy.RetentionMs"/> or not
    /// needed to keep <see cref="RetentionPolicy.RetentionBytes"/>.</summary>
    private static int CountExpired(IReadOnlyList<(SegmentDescriptor Descriptor, long Length)> segments, RetentionPolicy policy, DateTimeOffset now)
    {
        var cutoff = policy.RetentionMs < 0 ? long.MinValue : now.ToUnixTimeMilliseconds() - policy.RetentionMs;
        var size = segments.Sum(s => s.Length);
        var count = 0;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            var (descriptor, length) = segments[i];
            var byTime = descriptor.MaxTimestamp >= 0 && descriptor.MaxTimestamp < cutoff;
            var bySize = policy.RetentionBytes >= 0 && size - length >= policy.RetentionBytes;
            if (!descriptor.IsSealed || !(byTime || bySize))
            {
                break;
            }

            size -= length;
            count++;
        }

        return count;
    }

    /// <summary>
    /// Whether <paramref name="policy"/> would delete any segment of the partition at <paramref name="paths"/>, judged
    /// from its stored manifest without owning it (one manifest read, and the active segment's properties when the
    /// size limit needs them): a cluster-wide sweep asks this before it wakes an idle partition to enforce retention.
    /// The owner decides again on its own state; a stale answer only costs (or skips) one wake-up.
    /// </summary>
    public static async Task<bool> IsRetentionDueAsync(IObjectStore store, PartitionPaths paths, RetentionPolicy policy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var blob = await store.TryGetAsync(paths.Manifest, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (blob is null)
        {
            return false;
        }

        var manifest = PartitionManifest.FromJson(blob.Content.Span, paths.Manifest);
        if (manifest.Segments.Count < 2)
        {
            return false; // the last segment is never deleted
        }

        var segments = new List<(SegmentDescriptor, long)>(manifest.Segments.Count);
        foreach (var segment in manifest.Segments)
        {
            var length = segment.SealedLength ?? 0;
            if (segment.SealedLength is null && policy.RetentionBytes >= 0)
            {
                try
                {
                    length = (await store.GetPropertiesAsync(segment.Name, cancellationToken).ConfigureAwait(false)).Length;
                }
                catch (BlobNotFoundException)
                {
                    length = 0;
                }
            }

            segments.Add((segment, length));
        }

        return CountExpired(segments, policy, now) > 0;
    }

    /// <summary>How many of the oldest sealed segments lie wholly below <paramref name="offset"/>. Caller holds the gate.</summary>
    private int CountBelow(long offset)
    {
        var count = 0;
        for (var i = 0; i < _segments.Count - 1 && _segments[i].Descriptor is { IsSealed: true, LastOffset: { } last } && last < offset; i++)
        {
            count++;
        }

        return count;
    }
}
