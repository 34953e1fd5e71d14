using Runnel.Log.Batches;
using Runnel.Log.Internal;
using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>How many times a read retries when the segment it located was replaced by a compaction swap meanwhile
    /// (each retry means another swap landed during the read).</summary>
    private const int MaxReadRetriesAfterSwap = 4;

    private readonly SemaphoreSlim _compactionLock = new(1, 1);

    /// <summary>
    /// One compaction pass (Kafka's log cleaner, DESIGN.md §4 "Retention &amp; compaction"): keeps the latest record of
    /// every key in the sealed segments below the active one, without changing any record's offset.
    /// <list type="number">
    /// <item>Plan: the cleanable segments are the sealed ones from the log start up to the first whose newest record is
    /// younger than <see cref="CompactionPolicy.MinCompactionLagMs"/>. Unless <paramref name="force"/>, the pass runs
    /// only when the ones not yet compacted (at and above <see cref="PartitionManifest.FirstDirtyOffset"/>) hold at least
    /// <see cref="CompactionPolicy.MinCleanableDirtyRatio"/> of their bytes.</item>
    /// <item>Sweep (only when the pass runs): blobs a failed or superseded pass left in the staging area, and segment
    /// blobs the manifest no longer names, are deleted.</item>
    /// <item>Map: read them all, mapping each key (by its bytes) to its latest offset.</item>
    /// <item>Stage: write the kept records (rules in the remarks) as new segments under
    /// <see cref="PartitionPaths.CompactedPrefix"/>, consecutive inputs merged while their inputs fit
    /// <see cref="PartitionLogOptions.SegmentBytes"/>; each output covers exactly its inputs' offset range. Each is
    /// sealed, with its index blobs.</item>
    /// <item>Validate: read every staged segment back: every batch frames, passes its CRC and record checks; offsets
    /// strictly increase within the output's range; every keyed record is its key's latest; and every key whose latest
    /// record is kept by the rules is there. Any failure abandons the pass, changing nothing.</item>
    /// <item>Swap: one conditional manifest write replaces the inputs with the outputs (and moves
    /// <see cref="PartitionManifest.FirstDirtyOffset"/>). Readers see the old segments or the new ones.</item>
    /// <item>Delete the inputs' blobs. A read that located an input before the swap and finds its blob gone looks the
    /// offset up again in the new manifest (same offsets, so the same answer minus removed records).</item>
    /// </list>
    /// A crash at any step leaves the manifest naming either the old segments or the new, both intact; the garbage is
    /// swept by the next pass. Appends and reads go on throughout; passes are serialized per log.
    /// </summary>
    /// <remarks>Costs two reads of the cleanable bytes, one write of what is kept, one read of it back, and one
    /// manifest write. Records are kept and dropped by <see cref="BatchCompactor"/>'s rules: the latest record of each
    /// key; tombstones until <see cref="CompactionPolicy.DeleteRetentionMs"/> after their timestamp; records without a
    /// key dropped (Kafka's cleaner does the same; a compacted topic should refuse them on produce); control and
    /// transactional batches untouched; each producer's last batch and each output segment's last batch kept, empty if
    /// need be (so a consumer inside a removed range at a segment's end still gets a batch that moves it on).</remarks>
    /// <param name="policy">The topic's compaction settings.</param>
    /// <param name="now">The pass's clock (tombstone expiry, compaction lag).</param>
    /// <param name="force">Run even when the dirty ratio is below the policy's minimum (an operator's "compact now").</param>
    /// <param name="cancellationToken">Cancels the pass before its swap; what it staged is swept by the next.</param>
    /// <returns>What the pass did; <see cref="CompactionResult.Compacted"/> is false when there was nothing to do.</returns>
    /// <exception cref="NotOwnerException">The manifest changed under the swap: a newer owner took over (this instance is
    /// fenced from then on, and the pass changed nothing).</exception>
    /// <exception cref="LogClosedException">The log is closed or faulted.</exception>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.CorruptRecordBatch"/>: a cleanable segment, or a
    /// staged one read back, is damaged; nothing was changed.</exception>
    public async Task<CompactionResult> CompactAsync(CompactionPolicy policy, DateTimeOffset now, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        await _compactionLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                ThrowIfNotAccepting();
            }

            var plan = PlanCompaction(policy, now);
            if (plan.Inputs.Count == 0 || (!force && (plan.DirtyBytes == 0 || plan.DirtyRatio < policy.MinCleanableDirtyRatio)))
            {
                return new CompactionResult(0, 0, 0, 0, 0, 0, plan.FirstDirtyOffset, plan.DirtyRatio);
            }

            // Only a pass that runs sweeps (one listing), so that a timer asking an idle partition costs no storage call.
            await SweepCompactionLeftoversAsync(cancellationToken).ConfigureAwait(false);
            plan = PlanCompaction(policy, now);
            return await RunCompactionAsync(plan, now.ToUnixTimeMilliseconds() - policy.DeleteRetentionMs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _compactionLock.Release();
        }
    }

    /// <summary>The share of the cleanable bytes (sealed segments past <see cref="CompactionPolicy.MinCompactionLagMs"/>)
    /// not yet compacted: what a pass that is not forced compares with <see cref="CompactionPolicy.MinCleanableDirtyRatio"/>.
    /// 0 when nothing is cleanable. Cheap: no storage call.</summary>
    public double CompactionDirtyRatio(CompactionPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return PlanCompaction(policy, now).DirtyRatio;
    }

    private sealed record CompactionPlan(IReadOnlyList<SegmentDescriptor> Inputs, long DirtyBytes, double DirtyRatio, long FirstDirtyOffset);

    private CompactionPlan PlanCompaction(CompactionPolicy policy, DateTimeOffset now)
    {
        // No lag means no timestamp test at all (as Kafka): records stamped ahead of the pass's clock are cleanable too.
        var lagCutoff = policy.MinCompactionLagMs == 0 ? long.MaxValue : now.ToUnixTimeMilliseconds() - policy.MinCompactionLagMs;
        lock (_gate)
        {
            var inputs = new List<SegmentDescriptor>();
            long clean = 0, dirty = 0;
            for (var i = 0; i < _segments.Count - 1; i++)
            {
                var descriptor = _segments[i].Descriptor;
                if (!descriptor.IsSealed || descriptor.LastOffset is not { } last || descriptor.MaxTimestamp > lagCutoff)
                {
                    break;
                }

                inputs.Add(descriptor);
                if (last < _manifest.FirstDirtyOffset)
                {
                    clean += descriptor.SealedLength!.Value;
                }
                else
                {
                    dirty += descriptor.SealedLength!.Value;
                }
            }

            var ratio = clean + dirty == 0 ? 0 : dirty / (double)(clean + dirty);
            return new CompactionPlan(inputs, dirty, ratio, _manifest.FirstDirtyOffset);
        }
    }

    /// <summary>One output segment in the making: the inputs it replaces, and what validation expects of it.</summary>
    private sealed class CompactionGroup(List<SegmentDescriptor> inputs)
    {
        public List<SegmentDescriptor> Inputs { get; } = inputs;

        public long BaseOffset => Inputs[0].BaseOffset;

        public long LastOffset => Inputs[^1].LastOffset!.Value;

        /// <summary>Keys whose latest record lies in this group and is kept by the rules (validation's count).</summary>
        public long ExpectedKeys { get; set; }

        public SegmentDescriptor? Output { get; set; }

        public SegmentIndex? Index { get; set; }
    }

    private async Task<CompactionResult> RunCompactionAsync(CompactionPlan plan, long tombstoneCutoff, CancellationToken cancellationToken)
    {
        var groups = GroupInputs(plan.Inputs);
        var pass = Guid.NewGuid().ToString("N")[..12];
        var staged = new List<string>();
        try
        {
            // Map: every key's latest record, and each producer's last batch, over the whole cleanable range.
            CompactionTransactions transactions;
            lock (_gate)
            {
                transactions = new CompactionTransactions(_transactions.Overlapping(plan.Inputs[0].BaseOffset, plan.Inputs[^1].LastOffset!.Value + 1), LastStableOffsetLocked);
            }

            var map = new CompactionKeyMap();
            var producersLast = new Dictionary<long, long>();
            long bytesRead = 0, recordsRead = 0;
            foreach (var input in plan.Inputs)
            {
                await foreach (var (_, chunk) in SegmentChunks.ReadAsync(_store, input.Name, input.SealedLength!.Value, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var batch in new RecordBatchReader(chunk, verifyCrc: true))
                    {
                        BatchCompactor.Map(batch, map, transactions);
                        if (batch.Header.ProducerId >= 0)
                        {
                            producersLast[batch.Header.ProducerId] = batch.BaseOffset;
                        }

                        recordsRead += batch.Header.RecordCount;
                    }

                    bytesRead += chunk.Length;
                }
            }

            var compactor = new BatchCompactor(map, tombstoneCutoff, transactions);
            foreach (var entry in map.Entries)
            {
                if (!(entry.IsTombstone && entry.Timestamp < tombstoneCutoff))
                {
                    groups.First(g => entry.Offset <= g.LastOffset).ExpectedKeys++;
                }
            }

            // Stage.
            long bytesWritten = 0, recordsKept = 0;
            foreach (var group in groups)
            {
                var name = _paths.CompactedSegment(Epoch, group.BaseOffset, pass);
                staged.Add(name);
                using var writer = new StagedSegmentWriter(_store, name, _options.MaxBlockBytes, _options.IndexIntervalBytes, (call, ct) => RetryAsync(async c => { await call(c).ConfigureAwait(false); return true; }, ct));
                foreach (var input in group.Inputs)
                {
                    await foreach (var (_, chunk) in SegmentChunks.ReadAsync(_store, input.Name, input.SealedLength!.Value, cancellationToken).ConfigureAwait(false))
                    {
                        foreach (var batch in new RecordBatchReader(chunk, verifyCrc: false))
                        {
                            var start = writer.Pending.WrittenCount;
                            // Kept even when empty: a producer's last batch (its sequence), and the segment's last batch, so
                            // that a read anywhere in the segment gets a batch that carries it to the segment's end.
                            var keepIfEmpty = (batch.Header.ProducerId >= 0 && producersLast[batch.Header.ProducerId] == batch.BaseOffset)
                                || batch.LastOffset == group.LastOffset;
                            if (compactor.Compact(batch, keepIfEmpty, writer.Pending, out var kept) != BatchCompactor.Outcome.Dropped)
                            {
                                writer.OnBatchWritten(start);
                                recordsKept += kept;
                            }
                        }

                        await writer.FlushAsync(final: false, cancellationToken).ConfigureAwait(false);
                    }
                }

                await writer.FlushAsync(final: true, cancellationToken).ConfigureAwait(false);
                var maxTimestamp = group.Inputs.Max(s => s.MaxTimestamp);
                group.Output = new SegmentDescriptor(name, Epoch, group.BaseOffset, group.LastOffset, writer.Length, maxTimestamp);
                group.Index = writer.Index;
                await WriteIndexAsync(group.Output, writer.Index, cancellationToken).ConfigureAwait(false);
                bytesWritten += writer.Length;
            }

            // Validate: read back what the swap would make live.
            foreach (var group in groups)
            {
                await ValidateStagedAsync(group, compactor, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var firstDirty = await SwapCompactedAsync(groups, plan).ConfigureAwait(false);
            if (firstDirty is null)
            {
                // Retention or DeleteRecords removed an input meanwhile: the staging is garbage for the next sweep.
                Log.CompactionAbandoned(_logger, Partition, "segments it cleaned were deleted meanwhile");
                return new CompactionResult(0, 0, bytesRead, 0, recordsRead, 0, plan.FirstDirtyOffset, plan.DirtyRatio);
            }

            staged.Clear();
            Log.Compacted(_logger, Partition, plan.Inputs.Count, groups.Count, bytesRead, bytesWritten, firstDirty.Value);
            await DeleteBlobsAsync(plan.Inputs, cancellationToken).ConfigureAwait(false);
            return new CompactionResult(plan.Inputs.Count, groups.Count, bytesRead, bytesWritten, recordsRead, recordsKept, firstDirty.Value, plan.DirtyRatio);
        }
        catch (BlobNotFoundException ex) when (!AllStillLive(plan.Inputs))
        {
            Log.CompactionAbandoned(_logger, Partition, $"an input was deleted meanwhile ({ex.Message})");
            return new CompactionResult(0, 0, 0, 0, 0, 0, plan.FirstDirtyOffset, plan.DirtyRatio);
        }
    }

    /// <summary>Consecutive inputs, merged while their inputs' bytes fit one segment (so the output does too).</summary>
    private List<CompactionGroup> GroupInputs(IReadOnlyList<SegmentDescriptor> inputs)
    {
        var groups = new List<CompactionGroup>();
        var current = new List<SegmentDescriptor>();
        long bytes = 0;
        foreach (var input in inputs)
        {
            var length = input.SealedLength!.Value;
            if (current.Count > 0 && bytes + length > _options.SegmentBytes)
            {
                groups.Add(new CompactionGroup(current));
                current = [];
                bytes = 0;
            }

            current.Add(input);
            bytes += length;
        }

        if (current.Count > 0)
        {
            groups.Add(new CompactionGroup(current));
        }

        return groups;
    }

    /// <summary>Reads a staged segment back and checks it (see <see cref="CompactAsync"/>, step 5).</summary>
    private async Task ValidateStagedAsync(CompactionGroup group, BatchCompactor compactor, CancellationToken cancellationToken)
    {
        var output = group.Output!;
        var length = output.SealedLength!.Value;
        var properties = await RetryAsync(ct => _store.GetPropertiesAsync(output.Name, ct), cancellationToken).ConfigureAwait(false);
        Check(properties.Length == length && properties.IsSealed, $"it holds {properties.Length} bytes (sealed: {properties.IsSealed}); {length} were written");
        var previous = group.BaseOffset - 1;
        long keys = 0, read = 0;
        await foreach (var (_, chunk) in SegmentChunks.ReadAsync(_store, output.Name, length, cancellationToken).ConfigureAwait(false))
        {
            read += chunk.Length;
            foreach (var batch in new RecordBatchReader(chunk, verifyCrc: true))
            {
                var header = batch.Header;
                Check(RecordBatch.TryValidate(batch.Memory.Span, RecordBatchValidationMode.Stored, out var fault), $"the batch at offset {header.BaseOffset} is damaged: {fault.Message}");
                Check(header.BaseOffset > previous && header.LastOffset <= group.LastOffset, $"the batch at offsets {header.BaseOffset}-{header.LastOffset} follows offset {previous} (range ends at {group.LastOffset})");
                var fate = compactor.Transactions.Of(header);
                Check(fate != BatchFate.Aborted || header.RecordCount == 0, $"the batch at offset {header.BaseOffset} keeps records of an aborted transaction");
                if (fate == BatchFate.Records)
                {
                    using var records = batch.ReadRecords();
                    var span = records.RecordBytes.Span;
                    var position = 0;
                    for (var i = 0; i < header.RecordCount; i++)
                    {
                        var layout = BatchCompactor.Parse(span, ref position, i);
                        var offset = header.BaseOffset + layout.OffsetDelta;
                        Check(layout.KeyLength >= 0, $"the record at offset {offset} has no key");
                        Check(
                            compactor.Keeps(span.Slice(layout.KeyOffset, layout.KeyLength), offset, layout.ValueLength < 0, BatchCompactor.TimestampOf(header, layout)),
                            $"the record at offset {offset} is not its key's latest (or is an expired tombstone)");
                        keys++;
                    }
                }

                previous = header.LastOffset;
            }
        }

        Check(read == length, $"{read} of its {length} bytes frame as batches");
        Check(keys == group.ExpectedKeys, $"it keeps {keys} keys' latest records; {group.ExpectedKeys} keys have one to keep in offsets {group.BaseOffset}-{group.LastOffset}");

        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                throw new RunnelException(RunnelErrorCode.CorruptRecordBatch, $"Compaction of {_paths.DisplayName}: staged segment '{output.Name}' failed validation: {problem}. Nothing was swapped in.");
            }
        }
    }

    /// <summary>The swap: one manifest CAS that replaces each group's inputs with its output, under the manifest lock
    /// (serialized with rolls and retention). Returns the new cleaner checkpoint, or null when an input is no longer in
    /// the manifest (nothing changed).</summary>
    private async Task<long?> SwapCompactedAsync(List<CompactionGroup> groups, CompactionPlan plan)
    {
        await _manifestLock.WaitAsync().ConfigureAwait(false);
        try
        {
            int first;
            lock (_gate)
            {
                ThrowIfNotAccepting();
                first = IndexOfSegment(_manifest.Segments, plan.Inputs[0].Name);
                if (first < 0 || first + plan.Inputs.Count > _manifest.Segments.Count - 1
                    || plan.Inputs.Where((input, i) => _manifest.Segments[first + i] != input).Any())
                {
                    return null;
                }
            }

            var outputs = groups.Select(g => g.Output!).ToList();
            var segments = _manifest.Segments.Take(first).Concat(outputs).Concat(_manifest.Segments.Skip(first + plan.Inputs.Count)).ToList();
            var firstDirty = Math.Max(_manifest.FirstDirtyOffset, plan.Inputs[^1].LastOffset!.Value + 1);
            var manifest = _manifest with { Segments = segments, FirstDirtyOffset = firstDirty, WriteId = NewWriteId() };
            bool swapped;
            try
            {
                swapped = await TryCasManifestAsync(manifest, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageException ex)
            {
                // The swap's outcome is unknown: this instance no longer knows which segments are live.
                Terminate(ex, []);
                throw;
            }

            if (!swapped)
            {
                // Fenced. The staging stays for the new owner's sweep: had our write landed before the new owner's,
                // its manifest would name our segments, so only it may judge what is garbage.
                var fenced = new NotOwnerException(Partition, Epoch, "the manifest changed under a compaction swap");
                Terminate(fenced, []);
                throw fenced;
            }

            lock (_gate)
            {
                var at = _segments.FindIndex(s => s.Descriptor.Name == plan.Inputs[0].Name);
                _segments.RemoveRange(at, plan.Inputs.Count);
                _segments.InsertRange(at, groups.Select(g => new Segment(g.Output!) { Index = g.Index }));
                _tail.DropThrough(plan.Inputs[^1].LastOffset!.Value);
            }

            return firstDirty;
        }
        finally
        {
            _manifestLock.Release();
        }
    }

    private static int IndexOfSegment(IReadOnlyList<SegmentDescriptor> segments, string name)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private bool AllStillLive(IReadOnlyList<SegmentDescriptor> inputs)
    {
        lock (_gate)
        {
            return inputs.All(input => _segments.Any(s => s.Descriptor == input));
        }
    }

    /// <summary>Whether <paramref name="segment"/> is no longer one of the log's segments (compaction replaced it).</summary>
    private bool IsReplaced(Segment segment)
    {
        lock (_gate)
        {
            return !_segments.Contains(segment);
        }
    }

    /// <summary>
    /// Deletes what no manifest can name: blobs under the staging prefix that this owner's manifest does not name, and
    /// segment and index blobs below the active segment that it does not name (inputs of a swap whose deletes did not
    /// run). Only blobs of this owner's epoch or earlier: a newer owner's are its own business. Safe because this
    /// instance's manifest is the stored one while it owns the partition, its own passes are serialized with this
    /// sweep, and any swap whose outcome it could not learn ended this instance.
    /// </summary>
    private async Task SweepCompactionLeftoversAsync(CancellationToken cancellationToken)
    {
        var blobs = new List<string>();
        await foreach (var item in _store.ListAllAsync(_paths.Prefix, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            blobs.Add(item.Name);
        }

        HashSet<string> live;
        long activeBase, epoch;
        lock (_gate)
        {
            live = _manifest.Segments.SelectMany(s => new[] { s.Name, PartitionPaths.OffsetIndexOf(s.Name), PartitionPaths.TimeIndexOf(s.Name) }).ToHashSet(StringComparer.Ordinal);
            activeBase = _segments[^1].BaseOffset;
            epoch = _manifest.Epoch;
        }

        foreach (var name in blobs)
        {
            if (live.Contains(name) || !_paths.TryParseSegmentBlob(name, out var blobEpoch, out var baseOffset) || blobEpoch > epoch)
            {
                continue;
            }

            var staging = name.StartsWith(_paths.CompactedPrefix, StringComparison.Ordinal);
            if (staging || blobEpoch < epoch || baseOffset < activeBase)
            {
                await DeleteQuietlyAsync(name, cancellationToken).ConfigureAwait(false);
                Log.SweptLeftover(_logger, name);
            }
        }
    }

    /// <summary>Deletes replaced segments and their indexes, best effort: a blob left behind is swept by the next pass.</summary>
    private async Task DeleteBlobsAsync(IEnumerable<SegmentDescriptor> segments, CancellationToken cancellationToken)
    {
        foreach (var segment in segments)
        {
            foreach (var blob in new[] { segment.Name, PartitionPaths.OffsetIndexOf(segment.Name), PartitionPaths.TimeIndexOf(segment.Name) })
            {
                await DeleteQuietlyAsync(blob, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeleteQuietlyAsync(string blob, CancellationToken cancellationToken)
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
            Log.CompactionDeleteFailed(_logger, blob, ex.Message);
        }
    }
}
