using Runnel.Buffers;
using Runnel.Log.Batches;
using Runnel.Log.Internal;
using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>
    /// Reads whole record batches starting with the one that holds <paramref name="offset"/>, up to
    /// <paramref name="maxBytes"/> (always at least one whole batch, even a larger one, so a consumer can progress).
    /// Hot reads come from the in-memory tail; cold ones are one or two ranged reads located by the sparse index.
    /// A read stops at the end of a segment.
    /// </summary>
    /// <returns>The batches (empty when <paramref name="offset"/> equals the high watermark) and the watermarks.</returns>
    /// <exception cref="OffsetOutOfRangeException">The offset is below the log start or above the high watermark.</exception>
    /// <exception cref="NotOwnerException">This instance was fenced: ask the partition's current owner.</exception>
    public ValueTask<LogReadResult> ReadAsync(long offset, int maxBytes, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(offset, maxBytes, pooled: false, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAsync(long, int, CancellationToken)"/>, but a cold read lands in a
    /// <see cref="Runnel.Buffers.PooledBuffer"/> when the store reads into its own memory: the batches then carry one
    /// reference to it, which passes to whoever holds them last (a silo's response writer that attaches them releases
    /// it once the response is sent). Bytes from the in-memory tail carry a reference to their block with either
    /// method (see <see cref="Runnel.Buffers.PooledBuffer"/>); a caller that never releases it only keeps that block
    /// from going back to the pool.
    /// </summary>
    public ValueTask<LogReadResult> ReadPooledAsync(long offset, int maxBytes, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(offset, maxBytes, pooled: true, cancellationToken);

    /// <summary>
    /// As <see cref="ReadPooledAsync(long, int, CancellationToken)"/> at <paramref name="isolation"/>: at
    /// <see cref="IsolationLevel.ReadCommitted"/> only whole batches below the last stable offset (none when the offset is
    /// at or past it), with the aborted transactions that overlap them (<see cref="LogReadResult.AbortedTransactions"/>).
    /// </summary>
    public async ValueTask<LogReadResult> ReadPooledAsync(long offset, int maxBytes, IsolationLevel isolation, CancellationToken cancellationToken = default)
    {
        if (isolation != IsolationLevel.ReadCommitted)
        {
            return await ReadCoreAsync(offset, maxBytes, pooled: true, cancellationToken).ConfigureAwait(false);
        }

        long stable;
        lock (_gate)
        {
            ThrowIfNotReadable();
            ThrowIfOutOfRangeLocked(offset);
            stable = LastStableOffsetLocked;
            if (offset >= stable)
            {
                return new LogReadResult(ReadOnlyMemory<byte>.Empty, _logStartOffset, _highWatermark, stable);
            }
        }

        var read = await ReadCoreAsync(offset, maxBytes, pooled: true, cancellationToken).ConfigureAwait(false);
        var batches = read.Batches;
        var span = batches.Span;
        var end = 0;
        long first = -1, last = -1;
        while (end + RecordBatch.LogOverhead <= span.Length)
        {
            var batch = span[end..];
            var baseOffset = BatchFraming.BaseOffset(batch);
            if (baseOffset >= stable)
            {
                break;
            }

            first = first < 0 ? baseOffset : first;
            last = BatchFraming.LastOffset(batch);
            end += BatchFraming.TotalSize(batch);
        }

        // Sliced, not copied: a pooled buffer behind the bytes stays referenced by the slice.
        batches = batches[..Math.Min(end, batches.Length)];
        var aborted = first < 0 ? [] : AbortedTransactions(first, last + 1);
        return read with { Batches = batches, LastStableOffset = stable, AbortedTransactions = aborted };
    }

    /// <summary>Completes when the last stable offset passes <paramref name="offset"/> (at once if it already has), for
    /// read_committed long-poll fetches. Fails when the log is fenced or closed meanwhile.</summary>
    public Task WaitForStableOffsetAsync(long offset, CancellationToken cancellationToken) =>
        WaitForPublishedAsync(offset, stable: true, cancellationToken);

    private async ValueTask<LogReadResult> ReadCoreAsync(long offset, int maxBytes, bool pooled, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        for (var attempt = 0; ; attempt++)
        {
            Segment segment;
            long segmentEnd, logStart, highWatermark, lastStable, nextSegmentBase;
            lock (_gate)
            {
                ThrowIfNotReadable();
                logStart = _logStartOffset;
                highWatermark = _highWatermark;
                lastStable = LastStableOffsetLocked;
                ThrowIfOutOfRangeLocked(offset);

                if (offset == highWatermark)
                {
                    return new LogReadResult(ReadOnlyMemory<byte>.Empty, logStart, highWatermark, lastStable);
                }

                if (_tail.TryRead(offset, maxBytes, out var hot))
                {
                    return new LogReadResult(hot, logStart, highWatermark, lastStable);
                }

                var at = FindSegmentIndex(offset);
                segment = _segments[at];
                segmentEnd = segment.Length;
                nextSegmentBase = at + 1 < _segments.Count ? _segments[at + 1].BaseOffset : -1;
            }

            try
            {
                var index = await EnsureIndexAsync(segment, cancellationToken).ConfigureAwait(false);
                long position;
                lock (_gate)
                {
                    // The active segment's index grows under the writer: query it under the gate.
                    position = index.FloorPosition(offset);
                }

                var batches = await ReadBatchesAsync(segment.Descriptor.Name, position, segmentEnd, offset, maxBytes, cancellationToken, pooled).ConfigureAwait(false);
                if (nextSegmentBase > offset && OnlyEmptyBatchesToSegmentEnd(batches, segment))
                {
                    // Compaction removed every record of this segment from the offset on (what is left is at most the
                    // empty batch that ends it): read on from the next segment, so that a consumer inside a removed
                    // range gets the next kept offset in one fetch.
                    if (PooledBuffer.TryGetFrom(batches, out var unused))
                    {
                        unused.Release();
                    }

                    offset = nextSegmentBase;
                    continue;
                }

                return new LogReadResult(batches, logStart, highWatermark, lastStable);
            }
            catch (BlobNotFoundException) when (LogStartOffset > offset)
            {
                // Retention deleted the segment while this read was on its way.
                throw new OffsetOutOfRangeException(_paths.DisplayName, offset, LogStartOffset, HighWatermark);
            }
            catch (BlobNotFoundException) when (attempt < MaxReadRetriesAfterSwap && IsReplaced(segment))
            {
                // A compaction swap replaced the segment and deleted its blob while this read was on its way: the
                // manifest now names the compacted segment for the same offsets; look the offset up again.
            }
        }
    }

    /// <summary>
    /// Where a reader with access to the store finds <paramref name="offset"/> in a sealed segment: the segment, the
    /// position of the stored batch the sparse index puts at or before it, and the segment's sealed length. Null when
    /// the offset is in the active segment or at the high watermark (read those through <see cref="ReadAsync"/>).
    /// A sealed segment's bytes below its sealed length never change, but retention or a compaction swap may delete
    /// its blob at any time: a reader that finds it gone asks again here or reads through the log.
    /// </summary>
    /// <exception cref="OffsetOutOfRangeException">The offset is below the log start or above the high watermark.</exception>
    /// <exception cref="NotOwnerException">This instance was fenced: ask the partition's current owner.</exception>
    public async ValueTask<SealedSegmentLocation?> LocateSealedAsync(long offset, CancellationToken cancellationToken = default)
    {
        Segment segment;
        long logStart, highWatermark;
        lock (_gate)
        {
            ThrowIfNotReadable();
            logStart = _logStartOffset;
            highWatermark = _highWatermark;
            ThrowIfOutOfRangeLocked(offset);

            if (offset == highWatermark)
            {
                return null;
            }

            segment = _segments[FindSegmentIndex(offset)];
            if (segment.Descriptor is not { SealedLength: { } sealedLength, LastOffset: { } lastOffset } || offset > lastOffset || sealedLength != segment.Length)
            {
                return null; // the active segment (or one being sealed): through the log
            }
        }

        var index = await EnsureIndexAsync(segment, cancellationToken).ConfigureAwait(false);
        long position;
        lock (_gate)
        {
            position = index.FloorPosition(offset);
        }

        var descriptor = segment.Descriptor;
        return new SealedSegmentLocation(descriptor.Name, position, descriptor.SealedLength!.Value, descriptor.BaseOffset, descriptor.LastOffset!.Value, logStart, highWatermark);
    }

    /// <summary>Whether <paramref name="batches"/> (read from <paramref name="segment"/>) hold no record and reach the end
    /// of the sealed segment: nothing is left to return from it.</summary>
    private static bool OnlyEmptyBatchesToSegmentEnd(ReadOnlyMemory<byte> batches, Segment segment)
    {
        if (segment.Descriptor.LastOffset is not { } segmentLast)
        {
            return false;
        }

        var last = long.MinValue;
        foreach (var batch in new RecordBatchReader(batches, verifyCrc: false))
        {
            if (batch.Header.RecordCount != 0)
            {
                return false;
            }

            last = batch.LastOffset;
        }

        return batches.IsEmpty || last == segmentLast;
    }

    /// <summary>The headers of the stored batches that hold offsets in [<paramref name="from"/>, <paramref name="to"/>),
    /// in offset order (positions are not known here: -1), read through <see cref="ReadAsync"/> a few MiB at a time.
    /// For rebuilding state kept beside the log (an idempotent producer's) from the batches a snapshot lacks.</summary>
    /// <exception cref="OffsetOutOfRangeException"><paramref name="from"/> is below the log start or above the high watermark.</exception>
    public async Task<List<BatchSummary>> ReadBatchSummariesAsync(long from, long to, CancellationToken cancellationToken = default)
    {
        const int ChunkBytes = 4 * 1024 * 1024;
        var summaries = new List<BatchSummary>();
        var next = from;
        while (next < to)
        {
            var read = await ReadAsync(next, ChunkBytes, cancellationToken).ConfigureAwait(false);
            if (read.Batches.IsEmpty)
            {
                break;
            }

            // Stored batches were validated when appended: their headers are walked, not their CRCs checked again.
            foreach (var batch in new RecordBatchReader(read.Batches, verifyCrc: false))
            {
                if (next >= to)
                {
                    break;
                }

                if (batch.LastOffset >= next)
                {
                    summaries.Add(SegmentScanner.Summarize(batch.Memory.Span, -1));
                    next = batch.LastOffset + 1;
                }
            }

            if (PooledBuffer.TryGetFrom(read.Batches, out var pooled))
            {
                pooled.Release(); // read from the tail: its block may go back to the pool
            }
        }

        return summaries;
    }

    /// <summary>Completes when the high watermark moves past <paramref name="offset"/> (at once if it already has), for
    /// long-poll fetches. Fails when the log is fenced or closed meanwhile.</summary>
    public Task WaitForHighWatermarkAsync(long offset, CancellationToken cancellationToken) =>
        WaitForPublishedAsync(offset, stable: false, cancellationToken);

    /// <summary>Waits, one published block at a time, until the high watermark (or, with <paramref name="stable"/>, the
    /// last stable offset) is past <paramref name="offset"/>.</summary>
    private async Task WaitForPublishedAsync(long offset, bool stable, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task moved;
            lock (_gate)
            {
                ThrowIfNotReadable();
                if ((stable ? LastStableOffsetLocked : _highWatermark) > offset)
                {
                    return;
                }

                moved = _highWatermarkMoved.Task;
            }

            await moved.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The offset of the first record whose timestamp is at or after <paramref name="timestamp"/> (milliseconds since the
    /// Unix epoch), or null when no such record exists (Kafka's ListOffsets by timestamp). Located through segment max
    /// timestamps and the time index, then a scan of at most a few batches.
    /// </summary>
    public async ValueTask<long?> OffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken = default)
    {
        List<(Segment Segment, long End)> candidates;
        long logStart;
        lock (_gate)
        {
            ThrowIfNotReadable();
            logStart = _logStartOffset;
            candidates = _segments.Select(s => (s, s.Length)).ToList();
        }

        foreach (var (segment, end) in candidates)
        {
            var index = await EnsureIndexAsync(segment, cancellationToken).ConfigureAwait(false);
            long position;
            lock (_gate)
            {
                if (end == 0 || index.MaxTimestamp < timestamp)
                {
                    continue;
                }

                position = index.TimestampStartPosition(timestamp);
            }

            while (position < end)
            {
                var chunk = await ReadBatchesAsync(segment.Descriptor.Name, position, end, offset: long.MinValue, _options.IndexIntervalBytes * 4, cancellationToken).ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    break;
                }

                var found = RecordBatchCheck.FirstOffsetAtOrAfter(chunk, timestamp);
                if (found is { } hit)
                {
                    return Math.Max(hit, logStart);
                }

                position += chunk.Length;
            }
        }

        return null;
    }

    /// <summary>Throws when <paramref name="offset"/> is below the log start or above the high watermark. Caller holds the gate.</summary>
    private void ThrowIfOutOfRangeLocked(long offset)
    {
        if (offset < _logStartOffset || offset > _highWatermark)
        {
            throw new OffsetOutOfRangeException(_paths.DisplayName, offset, _logStartOffset, _highWatermark);
        }
    }

    private void ThrowIfNotReadable()
    {
        switch (_lifecycle)
        {
            case LifecycleState.Active or LifecycleState.Closing:
                return;
            case LifecycleState.Fenced:
                throw _terminalError as NotOwnerException ?? new NotOwnerException(Partition, Epoch, "fenced");
            default:
                throw new LogClosedException(Partition, _lifecycle.ToString().ToLowerInvariant(), _terminalError);
        }
    }

    /// <summary>The index in <see cref="_segments"/> of the segment holding <paramref name="offset"/>: the last whose base
    /// offset is at most it. Caller holds the gate.</summary>
    private int FindSegmentIndex(long offset)
    {
        int lo = 0, hi = _segments.Count - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    /// <summary>The segment's sparse index: in memory for the active one; for a sealed one, loaded from its index blobs,
    /// or rebuilt by scanning the segment when they are missing or damaged (and written back, best effort).</summary>
    private async ValueTask<SegmentIndex> EnsureIndexAsync(Segment segment, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (segment.Index is { } known)
            {
                return known;
            }
        }

        var descriptor = segment.Descriptor;
        var offsets = await _store.TryGetAsync(PartitionPaths.OffsetIndexOf(descriptor.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var times = offsets is null ? null : await _store.TryGetAsync(PartitionPaths.TimeIndexOf(descriptor.Name), cancellationToken: cancellationToken).ConfigureAwait(false);
        var index = offsets is not null && times is not null
            ? SegmentIndex.TryDeserialize(offsets.Content.Span, times.Content.Span, descriptor.MaxTimestamp)
            : null;
        if (index is null)
        {
            var scan = await SegmentScanner.ScanAsync(_store, descriptor.Name, descriptor.BaseOffset, segment.Length, _options.IndexIntervalBytes, cancellationToken).ConfigureAwait(false);
            index = scan.Index;
            await WriteIndexAsync(descriptor, index, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            segment.Index ??= index;
            return segment.Index;
        }
    }

    /// <summary>Reads whole batches from <paramref name="position"/> (below <paramref name="end"/>), skipping those that end
    /// before <paramref name="offset"/>, up to <paramref name="maxBytes"/> but at least one batch.</summary>
    /// <remarks>With <paramref name="pooled"/>, reads go into pooled buffers (see <see cref="ReadPooledAsync(long, int, CancellationToken)"/>): the
    /// returned bytes carry their buffer's reference; a read that is not returned is released here.</remarks>
    private async ValueTask<ReadOnlyMemory<byte>> ReadBatchesAsync(string segment, long position, long end, long offset, int maxBytes, CancellationToken cancellationToken, bool pooled = false)
    {
        var want = (int)Math.Min(end - position, (long)maxBytes + _options.IndexIntervalBytes);
        while (position < end)
        {
            var range = new ByteRange(position, want);
            var data = pooled
                ? (await _store.GetPooledAsync(segment, range, cancellationToken).ConfigureAwait(false)).Content
                : (await _store.GetAsync(segment, range, cancellationToken).ConfigureAwait(false)).Content;
            var returned = false;
            try
            {
                var found = FindBatches(segment, data, ref position, end, offset, maxBytes, ref want);
                returned = !found.IsEmpty;
                if (returned)
                {
                    return found;
                }
            }
            finally
            {
                if (!returned && PooledBuffer.TryGetFrom(data, out var buffer))
                {
                    buffer.Release();
                }
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>The whole batches of <paramref name="data"/> (read at <paramref name="position"/>) from the one holding
    /// <paramref name="offset"/>, up to <paramref name="maxBytes"/>; or empty, with <paramref name="position"/> and
    /// <paramref name="want"/> set for the next read (at least the next batch whole).</summary>
    private ReadOnlyMemory<byte> FindBatches(string segment, ReadOnlyMemory<byte> data, ref long position, long end, long offset, int maxBytes, ref int want)
    {
        var skip = 0;
        while (skip + BatchFraming.LengthFieldEnd <= data.Length && skip + BatchFraming.TotalSize(data.Span[skip..]) <= data.Length
            && BatchFraming.LastOffset(data.Span[skip..]) < offset)
        {
            skip += BatchFraming.TotalSize(data.Span[skip..]);
        }

        var rest = data[skip..];
        var take = TailCache.WholeBatchesWithin(rest, maxBytes);
        if (take > 0)
        {
            return rest[..take];
        }

        // Nothing whole to return yet: move past what was skipped, and read at least the next batch whole.
        position += skip;
        var next = rest.Length >= BatchFraming.LengthFieldEnd ? BatchFraming.TotalSize(rest.Span) : 0;
        var nextWant = (int)Math.Min(end - position, Math.Max(next, (long)maxBytes + _options.IndexIntervalBytes));
        if (skip == 0 && nextWant <= data.Length)
        {
            // No progress possible: the bytes below the segment's committed end do not frame as batches.
            throw new RunnelException(RunnelErrorCode.CorruptRecordBatch, $"Segment '{segment}' does not hold a whole batch at position {position}.");
        }

        want = nextWant;

        return ReadOnlyMemory<byte>.Empty;
    }
}
