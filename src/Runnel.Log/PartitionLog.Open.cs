using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Log.Internal;
using Runnel.Storage;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    /// <summary>How many times a takeover re-reads and retries when another contender changed the manifest under it.</summary>
    private const int MaxTakeoverAttempts = 10;

    /// <summary>
    /// Opens the partition by taking it over (DESIGN.md §4):
    /// <list type="number">
    /// <item>CAS the manifest to <c>{epoch + 1, owner, Recovering}</c>: exactly one contender wins each epoch.</item>
    /// <item>Seal the previous epoch's active segment, so any later append by the old owner fails.</item>
    /// <item>Scan it to find its valid end (a torn, never-acknowledged tail is cut off), its last offset and its index,
    /// and write its index blobs.</item>
    /// <item>Create a fresh segment named with the new epoch and CAS the manifest to <c>Active</c>; only then serve.</item>
    /// </list>
    /// Each step is a few storage round trips; the scan reads the previous active segment once (nothing after a clean
    /// hand-over).
    /// </summary>
    /// <param name="store">The store holding the partition.</param>
    /// <param name="paths">The partition's blob names.</param>
    /// <param name="owner">Who takes over (a silo identity), recorded in the manifest.</param>
    /// <param name="options">Tuning; defaults when null.</param>
    /// <param name="logger">Where lifecycle events go.</param>
    /// <param name="cancellationToken">Cancels the takeover (the partition may be left Recovering; the next open fixes it).</param>
    /// <exception cref="NotOwnerException">Another contender kept winning the manifest.</exception>
    public static async Task<PartitionLog> OpenAsync(IObjectStore store, PartitionPaths paths, string owner, PartitionLogOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        options ??= new PartitionLogOptions();
        options.Validate();
        logger ??= NullLogger.Instance;

        var (manifest, etag, created) = await ReadOrCreateManifestAsync(store, paths, owner, options, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var recovering = manifest with { Epoch = manifest.Epoch + 1, Owner = owner, State = PartitionState.Recovering, WriteId = NewWriteId() };
            var log = new PartitionLog(store, paths, owner, options, logger, manifest, etag);
            if (created && manifest.State == PartitionState.Active)
            {
                // A new partition, created Active at epoch 1 with its first (empty) segment: nothing to recover.
                log.ServeNew();
                Log.TookOver(logger, paths.Prefix, log.Epoch, log._nextOffset, owner);
                return log;
            }

            // A manifest we created Recovering (its first segment's name was taken, see ReadOrCreateManifestAsync) is
            // already at epoch 1 in our name: nothing to CAS.
            if (created || await log.TryCasManifestAsync(recovering, cancellationToken).ConfigureAwait(false))
            {
                await log.RecoverAsync(cancellationToken).ConfigureAwait(false);
                Log.TookOver(logger, paths.Prefix, log.Epoch, log._nextOffset, owner);
                return log;
            }

            if (attempt + 1 >= MaxTakeoverAttempts)
            {
                throw new NotOwnerException(paths.Prefix, recovering.Epoch, $"other contenders changed the manifest {MaxTakeoverAttempts} times during takeover");
            }

            (manifest, etag, created) = await ReadOrCreateManifestAsync(store, paths, owner, options, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string NewWriteId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// The partition's manifest, or, for a partition never opened, a new one in <paramref name="owner"/>'s name
    /// (<c>Created</c> true) written in one conditional create: at epoch 1, <c>Active</c>, with its first segment
    /// <c>{1:D10}-{0:D20}.log</c>, whose empty append blob is created (<c>If-None-Match: *</c>) just before. That is one
    /// manifest write per new partition where a create at epoch 1 <c>Recovering</c> and a CAS to <c>Active</c> took two
    /// (each three to five fsyncs on the file store). Fencing is unchanged:
    /// <list type="bullet">
    /// <item>Only the winner of the manifest's create appends to the segment; a contender that lost reads the manifest
    /// and takes over at epoch 2, sealing that segment as it would any predecessor's (and recovering what the winner
    /// appended).</item>
    /// <item>Contenders race for the same segment name, and the segment is created before the manifest names it: an
    /// existing empty, unsealed segment is taken as created (a contender's or our own earlier attempt's; whoever loses
    /// the manifest never appends to it). One that holds bytes or is sealed is not usable: the manifest is then created
    /// <c>Recovering</c> without segments, as before, and the takeover deals with the name (see
    /// <see cref="CreateSegmentAsync"/>).</item>
    /// </list>
    /// A create whose outcome was unknown and then refused is ours when the manifest read back carries our write id.
    /// </summary>
    private static async Task<(PartitionManifest Manifest, ETag ETag, bool Created)> ReadOrCreateManifestAsync(
        IObjectStore store, PartitionPaths paths, string owner, PartitionLogOptions options, CancellationToken cancellationToken)
    {
        var writeId = NewWriteId();
        PartitionManifest? fresh = null;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var blob = await store.TryGetAsync(paths.Manifest, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (blob is not null)
                {
                    var manifest = PartitionManifest.FromJson(blob.Content.Span, paths.Manifest);
                    return (manifest, blob.Properties.ETag, manifest.WriteId == writeId);
                }

                fresh ??= await TryCreateFirstSegmentAsync(store, paths, cancellationToken).ConfigureAwait(false) is { } first
                    ? PartitionManifest.Empty with { Epoch = 1, Owner = owner, State = PartitionState.Active, Segments = [first], WriteId = writeId }
                    : PartitionManifest.Empty with { Epoch = 1, Owner = owner, State = PartitionState.Recovering, WriteId = writeId };
                var created = await store.PutAsync(paths.Manifest, fresh.ToJson(), BlobCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                return (fresh, created.ETag, true);
            }
            catch (PreconditionFailedException)
            {
                // Someone created it first (or our own create, retried after an unknown outcome): read it.
            }
            catch (StorageException ex) when (ex.IsRetriable && attempt < options.MaxStorageRetries)
            {
                await BackoffAsync(options, attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A new partition's first segment (epoch 1, offset 0), its empty append blob created; null when that name
    /// is taken by a blob that holds bytes or is sealed (a leftover, or a contender's that was already appended to or
    /// fenced), which this partition's epoch 1 cannot append to.</summary>
    private static async Task<SegmentDescriptor?> TryCreateFirstSegmentAsync(IObjectStore store, PartitionPaths paths, CancellationToken cancellationToken)
    {
        var name = paths.Segment(1, 0);
        try
        {
            await store.CreateAppendBlobAsync(name, BlobCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex) when (ex.Kind == PreconditionKind.AlreadyExists)
        {
            var properties = await store.TryGetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
            if (properties is not { Length: 0, IsSealed: false })
            {
                return null;
            }
        }

        return new SegmentDescriptor(name, 1, 0, null, null, -1);
    }

    /// <summary>Starts serving a partition this instance created Active at epoch 1 (see
    /// <see cref="ReadOrCreateManifestAsync"/>): empty, nothing to recover.</summary>
    private void ServeNew()
    {
        _nextOffset = _manifest.NextOffsetFromSealed();
        RecoverTransactions(_nextOffset);
        Serve(_manifest, recoveredIndex: null);
    }

    /// <summary>Step 2–4 of the takeover; runs with the manifest at our epoch, state Recovering.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var descriptors = _manifest.Segments.ToList();
        SegmentIndex? recoveredIndex = null;
        if (descriptors.Count > 0 && !descriptors[^1].IsSealed)
        {
            var previous = descriptors[^1];
            var recovered = await SealAndScanAsync(previous, cancellationToken).ConfigureAwait(false);
            if (recovered is null || recovered.LastOffset < previous.BaseOffset)
            {
                // It holds no batch: drop it from the manifest (its blob, if any, is left for retention to collect).
                descriptors.RemoveAt(descriptors.Count - 1);
            }
            else
            {
                descriptors[^1] = previous with { LastOffset = recovered.LastOffset, SealedLength = recovered.ValidLength, MaxTimestamp = recovered.MaxTimestamp };
                await WriteIndexAsync(descriptors[^1], recovered.Index, cancellationToken).ConfigureAwait(false);
                recoveredIndex = recovered.Index;
                RecoveredTail = recovered.Batches;
                RecoveredTailFrom = previous.BaseOffset;
                if (recovered.TornTail)
                {
                    Log.TornTail(_logger, previous.Name, recovered.ValidLength);
                }
            }
        }

        var manifestWithSealed = _manifest with { Segments = descriptors };
        _nextOffset = manifestWithSealed.NextOffsetFromSealed();
        RecoverTransactions(_nextOffset);
        var active = new SegmentDescriptor(_paths.Segment(_manifest.Epoch, _nextOffset), _manifest.Epoch, _nextOffset, null, null, -1);
        await CreateSegmentAsync(active.Name, cancellationToken).ConfigureAwait(false);

        var activeManifest = manifestWithSealed with { State = PartitionState.Active, Segments = [.. descriptors, active], WriteId = NewWriteId() };
        if (!await TryCasManifestAsync(activeManifest, cancellationToken).ConfigureAwait(false))
        {
            throw new NotOwnerException(Partition, _manifest.Epoch, "a newer owner took over during recovery");
        }

        Serve(activeManifest, recoveredIndex);
    }

    /// <summary>Loads the segments of <paramref name="activeManifest"/> (this instance's, Active) and sets the offsets
    /// from <see cref="_nextOffset"/>: the last step of an open.</summary>
    private void Serve(PartitionManifest activeManifest, SegmentIndex? recoveredIndex)
    {
        lock (_gate)
        {
            _segments.Clear();
            foreach (var descriptor in activeManifest.Segments)
            {
                _segments.Add(new Segment(descriptor));
            }

            _segments[^1].Index = new SegmentIndex();
            if (recoveredIndex is not null && _segments.Count >= 2)
            {
                _segments[^2].Index = recoveredIndex;
            }

            _logStartOffset = activeManifest.LogStartOffset;
            _highWatermark = _nextOffset;
            _assignOffset = _nextOffset;
            if (recoveredIndex is null)
            {
                RecoveredTailFrom = _nextOffset;
            }
        }
    }

    /// <summary>
    /// Rebuilds the transaction bookkeeping: the newest stored snapshot (the manifest's, or the recovered segment's tail
    /// checkpoint's when that is later), then every recovered batch at or after it. The recovered tail holds every batch
    /// after the checkpoint (or of the whole segment without one), and the manifest's snapshot is at least as recent as
    /// the recovered segment's start (every roll writes it), so nothing between the snapshot and
    /// <paramref name="nextOffset"/> is missed.
    /// </summary>
    private void RecoverTransactions(long nextOffset)
    {
        var snapshot = _manifest.Transactions ?? TransactionSnapshot.Empty;
        if (_checkpointTransactions is { } fromCheckpoint && fromCheckpoint.AsOf > snapshot.AsOf)
        {
            snapshot = fromCheckpoint;
        }

        lock (_gate)
        {
            _transactions.Load(snapshot);
            foreach (var batch in RecoveredTail)
            {
                _transactions.Apply(batch);
            }

            _transactions.AdvanceTo(nextOffset);
            _transactionsLoaded = true;
        }
    }

    /// <summary>Seals a segment of an earlier epoch and scans its valid bytes; null when its blob does not exist.</summary>
    private async Task<SegmentScanner.Result?> SealAndScanAsync(SegmentDescriptor segment, CancellationToken cancellationToken)
    {
        BlobProperties properties;
        try
        {
            await RetryAsync(ct => _store.SealAsync(segment.Name, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
            properties = await RetryAsync(ct => _store.GetPropertiesAsync(segment.Name, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }

        if (await TryCheckpointAsync(segment, properties.Length, cancellationToken).ConfigureAwait(false) is { } checkpoint)
        {
            Log.RecoveringFromCheckpoint(_logger, segment.Name, checkpoint.Position, properties.Length);
            RecoveredFromCheckpoint = true;
            var start = (checkpoint.Position, checkpoint.LastBatch.LastOffset, checkpoint.Index);
            var rest = await SegmentScanner.ScanAsync(_store, segment.Name, segment.BaseOffset, properties.Length, _options.IndexIntervalBytes, cancellationToken, start).ConfigureAwait(false);
            _checkpointTransactions = checkpoint.Transactions;
            return rest with { Batches = [.. checkpoint.ProducerBatches, .. rest.Batches] };
        }

        return await SegmentScanner.ScanAsync(_store, segment.Name, segment.BaseOffset, properties.Length, _options.IndexIntervalBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The previous owner's tail checkpoint for <paramref name="segment"/>, when there is one and it matches
    /// the stored bytes: its last batch is read back and must frame, pass its CRC and say what the checkpoint says, end
    /// exactly at the checkpoint's position, and lie within the sealed <paramref name="length"/>. Anything else (no
    /// checkpoint, another segment's, a damaged or mismatching one) gives null: the caller scans the whole segment.</summary>
    private async Task<(long Position, BatchSummary LastBatch, SegmentIndex Index, IReadOnlyList<BatchSummary> ProducerBatches, TransactionSnapshot Transactions)?> TryCheckpointAsync(SegmentDescriptor segment, long length, CancellationToken cancellationToken)
    {
        if (_options.CheckpointIntervalBlocks == 0)
        {
            return null;
        }

        BlobContent? blob;
        try
        {
            blob = await RetryAsync(ct => _store.TryGetAsync(_paths.TailCheckpoint, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            Log.CheckpointIgnored(_logger, segment.Name, ex.Message);
            return null;
        }

        if (blob is null || TailCheckpoint.TryDeserialize(blob.Content.Span) is not { } checkpoint || checkpoint.Segment != segment.Name || checkpoint.ManifestWriteId != _takenOverWriteId)
        {
            return null; // none, or an earlier segment's or incarnation's: nothing to check, just scan
        }

        var last = checkpoint.LastBatch;
        string? mismatch = null;
        if (checkpoint.Position > length || last.Position < 0 || last.Size <= 0 || last.Position + last.Size != checkpoint.Position || last.BaseOffset < segment.BaseOffset)
        {
            mismatch = $"position {checkpoint.Position}, last batch at {last.Position} ({last.Size} bytes), sealed length {length}";
        }

        var index = mismatch is null ? SegmentIndex.TryDeserialize(checkpoint.OffsetIndex, checkpoint.TimeIndex, checkpoint.MaxTimestamp) : null;
        if (mismatch is null && index is not { Count: > 0 })
        {
            mismatch = "its index is damaged";
        }

        if (mismatch is null)
        {
            var stored = (await RetryAsync(ct => _store.GetAsync(segment.Name, new ByteRange(last.Position, last.Size), ct), cancellationToken).ConfigureAwait(false)).Content;
            if (stored.Length != last.Size || !BatchFraming.TryFrame(stored.Span, out var size) || size != last.Size
                || SegmentScanner.Summarize(stored.Span[..size], last.Position) != last)
            {
                mismatch = $"the batch at {last.Position} is not offsets {last.BaseOffset}-{last.LastOffset}";
            }
        }

        if (mismatch is not null)
        {
            Log.CheckpointIgnored(_logger, segment.Name, mismatch);
            return null;
        }

        return (checkpoint.Position, last, index!, checkpoint.ProducerBatches, checkpoint.Transactions);
    }

    private async Task CreateSegmentAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await RetryAsync(ct => _store.CreateAppendBlobAsync(name, BlobCondition.IfNotExists, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex) when (ex.Kind == PreconditionKind.AlreadyExists)
        {
            // Only the holder of this epoch creates segments named with it, so an existing one is ours (an earlier
            // attempt whose response was lost) — unless it already holds data, which would mean a second writer.
            var properties = await RetryAsync(ct => _store.GetPropertiesAsync(name, ct), cancellationToken).ConfigureAwait(false);
            if (properties.Length != 0 || properties.IsSealed)
            {
                throw new NotOwnerException(Partition, _manifest.Epoch, $"segment '{name}' already exists with {properties.Length} bytes");
            }
        }
    }

    /// <summary>Writes a sealed segment's index blobs. Best effort: a reader that finds them missing or damaged rebuilds
    /// them by scanning the segment.</summary>
    private async Task WriteIndexAsync(SegmentDescriptor segment, SegmentIndex index, CancellationToken cancellationToken)
    {
        try
        {
            await _store.PutAsync(PartitionPaths.OffsetIndexOf(segment.Name), index.SerializeOffsets(), cancellationToken: cancellationToken).ConfigureAwait(false);
            await _store.PutAsync(PartitionPaths.TimeIndexOf(segment.Name), index.SerializeTimes(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            Log.IndexWriteFailed(_logger, segment.Name, ex);
        }
    }

    /// <summary>
    /// Replaces the manifest with <paramref name="next"/> if it still has the ETag this instance last saw. Returns false
    /// when someone else changed it (the caller is fenced, or must re-read). A lost response is resolved by reading the
    /// manifest back: our <see cref="PartitionManifest.WriteId"/> there means the write landed.
    /// </summary>
    private async Task<bool> TryCasManifestAsync(PartitionManifest next, CancellationToken cancellationToken)
    {
        if (_transactionsLoaded)
        {
            // Every write carries the current transaction bookkeeping, consistent with the high watermark it is as of.
            lock (_gate)
            {
                next = next with { Transactions = _transactions.ToSnapshot(_logStartOffset) };
            }
        }

        var json = next.ToJson();
        var outcomeUnknown = false;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await _store.PutAsync(_paths.Manifest, json, BlobCondition.IfETagMatches(_manifestETag), cancellationToken).ConfigureAwait(false);
                SetManifest(next, result.ETag);
                return true;
            }
            catch (PreconditionFailedException) when (!outcomeUnknown)
            {
                return false;
            }
            catch (StorageException ex) when (ex is PreconditionFailedException || ex.IsOutcomeUnknown || ex.IsRetriable)
            {
                outcomeUnknown |= ex.IsOutcomeUnknown || ex is PreconditionFailedException;
                if (attempt >= _options.MaxStorageRetries)
                {
                    throw;
                }

                if (outcomeUnknown)
                {
                    var current = await _store.TryGetAsync(_paths.Manifest, cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (current is not null)
                    {
                        var stored = PartitionManifest.FromJson(current.Content.Span, _paths.Manifest);
                        if (stored.WriteId == next.WriteId)
                        {
                            SetManifest(next, current.Properties.ETag);
                            return true;
                        }

                        if (current.Properties.ETag != _manifestETag)
                        {
                            return false;
                        }
                    }
                }

                await BackoffAsync(_options, attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void SetManifest(PartitionManifest manifest, ETag etag)
    {
        lock (_gate)
        {
            _manifest = manifest;
            _manifestETag = etag;
        }
    }

    /// <summary>Runs a storage call, retrying transient failures (retriable, outcome known not to matter for idempotent
    /// calls) with back-off; everything else propagates.</summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException ex) when (ex.IsRetriable && attempt < _options.MaxStorageRetries)
            {
                await BackoffAsync(_options, attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Task BackoffAsync(PartitionLogOptions options, int attempt, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromTicks(options.RetryBaseDelay.Ticks * (1L << Math.Min(attempt, 6)));
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, options.TimeProvider, cancellationToken);
    }
}
