using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Clustering;
using Runnel.Grains.Internal;
using Runnel.Log;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// One partition (<see cref="IPartitionGrain"/>): the owner of its <see cref="PartitionLog"/> for as long as it is
/// active. Activation reads the topic's metadata (a partition of a missing or out-of-range topic activates without a
/// log and answers <see cref="RunnelErrorCode.UnknownTopic"/> / <see cref="RunnelErrorCode.UnknownPartition"/>), then
/// takes the log over (fencing any earlier owner) and rebuilds the idempotent producers' state from the stored snapshot
/// and the recovered tail. Deactivation saves that state and hands the log back (seal, manifest Released).
/// </summary>
/// <remarks>
/// <para>Concurrency: no call is exclusive. Produce and retire run beside everything
/// (<see cref="Orleans.Concurrency.AlwaysInterleaveAttribute"/>), fetch and the offset queries beside each other and them
/// (<see cref="Orleans.Concurrency.ReadOnlyAttribute"/>). What they share is thread-safe: the log itself, the producer table (under
/// <see cref="_producersGate"/>), and immutable snapshots swapped through volatile fields.</para>
/// <para>A log that is fenced or fails for good makes the activation deactivate; callers get the log's retriable error
/// and their retry reaches a new activation, which takes the partition over again.</para>
/// </remarks>
[GrainType("runnel.partition")]
[RendezvousPlacement]
public sealed partial class PartitionGrain : Grain, IPartitionGrain
{
    private readonly IObjectStore _store;
    private readonly RunnelGrainsOptions _options;
    private readonly string _owner;
    private readonly SiloAddress _siloAddress;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILogger _logLogger;
    private readonly PartitionInstruments _instruments;
    private readonly LocalPartitions _local;
    private readonly LargeBatchBudget _largeBatches;
    private readonly Lock _producersGate = new();
    private readonly ProducerStateTable _producers = new();

    /// <summary>Cancelled when the partition retires or deactivates: ends long-polls at once.</summary>
    private readonly CancellationTokenSource _closing = new();

    private string _topic = "";
    private int _partition;
    private PartitionLog? _log;
    private volatile TopicSettings _settings = TopicSettings.Unknown;
    private volatile Unavailable? _unavailable;
    private CancellationToken _stopping;
    private ETag? _snapshotETag;

    /// <summary>The compaction pass the retention timer started, if any (completed when none runs).</summary>
    private Task _compaction = Task.CompletedTask;

    private long _bytesSinceSnapshot;
    private int _savingSnapshot;
    private int _retired;
    private int _lost;
    private int _refreshing;

    private KeyValuePair<string, object?> _tag;
    private KeyValuePair<string, object?> _topicTag;

    public PartitionGrain(IObjectStore store, IOptions<RunnelGrainsOptions> options, ILocalSiloDetails silo, TimeProvider time, PartitionInstruments instruments, LocalPartitions local, LargeBatchBudget largeBatches, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _store = store;
        _options = options.Value;
        _owner = silo.Name;
        _siloAddress = silo.SiloAddress;
        _time = time;
        _instruments = instruments;
        _local = local;
        _largeBatches = largeBatches;
        _logger = loggerFactory.CreateLogger<PartitionGrain>();
        _logLogger = loggerFactory.CreateLogger<PartitionLog>();
    }

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RunnelGrainErrorFilter.ActivateAsync(ActivateAsync(cancellationToken));

    private async Task ActivateAsync(CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        _tag = new KeyValuePair<string, object?>("partition", Name);
        if (await CheckTopicAsync(cancellationToken) is { } unavailable)
        {
            // Not serving: every call answers this error and deactivates, so the next one looks at the topic afresh.
            _unavailable = unavailable;
            return;
        }

        _topicTag = new KeyValuePair<string, object?>("topic", _topic);
        var logOptions = _options.PartitionLog with
        {
            SegmentBytes = _settings.SegmentBytes,
            MaxBatchBytes = TopicConfig.MaxMaxMessageBytes,
        };
        _log = await PartitionLog.OpenAsync(_store, PartitionPaths.ForTopicPartition(_topic, _partition), _owner, logOptions, _logLogger, cancellationToken)
            ;

        // Read after the takeover: a predecessor saves its snapshot just before it releases, and read earlier that
        // save could be missed. Even so the snapshot may lag (a save that failed, or landed after this read): whatever
        // it lacks is rebuilt below from the log itself, so the producers' state is complete whatever the snapshot is.
        var snapshotBlob = await _store.TryGetAsync(StoragePaths.ProducerState(_topic, _partition), cancellationToken: cancellationToken);
        _snapshotETag = snapshotBlob?.Properties.ETag;
        var snapshot = snapshotBlob is null ? null : ProducerStateSnapshot.TryFromJson(snapshotBlob.Content.Span);
        if (snapshotBlob is not null && snapshot is null)
        {
            LogSnapshotUnreadable(_logger, Name);
        }

        // The state is the snapshot plus every batch from its offset on: those before the recovered tail are read from
        // the log (none when the snapshot is current), then the tail's. Reading starts at the log start when that is
        // higher (retention or DeleteRecords moved it), and a batch the log start cuts through is still replayed: it is
        // the snapshot's offset, not the log start, that says which batches the snapshot already holds.
        var snapshotEnd = snapshot?.NextOffset ?? 0;
        var replayFrom = Math.Max(snapshotEnd, _log.LogStartOffset);
        var gap = replayFrom < _log.RecoveredTailFrom ? await _log.ReadBatchSummariesAsync(replayFrom, _log.RecoveredTailFrom, cancellationToken) : [];
        var replayed = 0;
        lock (_producersGate)
        {
            if (snapshot is not null)
            {
                _producers.Load(snapshot, _log.HighWatermark);
            }

            foreach (var batch in gap.Concat(_log.RecoveredTail))
            {
                if (batch.BaseOffset >= snapshotEnd)
                {
                    _producers.Replay(batch);
                    replayed++;
                }
            }
        }

        this.RegisterGrainTimer(async ct => await RunRetentionAsync(ct), _options.RetentionCheckInterval, _options.RetentionCheckInterval);

        // Saved now too, so that a crash of this owner loses at most what it appended itself.
        await SaveProducerStateAsync(cancellationToken);
        _instruments.ActivePartitions.Add(1);
        _instruments.Takeovers.Add(1, _topicTag, new KeyValuePair<string, object?>("kind", TakeoverKind(_log)));
        _local.Add(Name);
        LogActivated(_logger, Name, _log.Epoch, _log.HighWatermark, _producers.Count, replayed);
    }

    /// <summary>How the log came to this owner: a takeover that recovered the previous owner's unsealed tail is a
    /// failover (a clean hand-over seals and releases, leaving nothing to recover). A previous owner that died before it
    /// appended anything in its epoch left nothing to recover either, and counts as a hand-over.</summary>
    private static string TakeoverKind(PartitionLog log) =>
        log.RecoveredTail.Count > 0 ? PartitionInstruments.TakeoverFailover
        : log.Epoch == 1 ? PartitionInstruments.TakeoverNew
        : PartitionInstruments.TakeoverHandover;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _closing.CancelAsync();
        if (_log is null)
        {
            return;
        }

        await _compaction; // cancelled above; it logs its own failures

        try
        {
            // Every call has finished (the runtime waits for interleaved ones), so nothing is being appended.
            if (Volatile.Read(ref _retired) == 0 && Volatile.Read(ref _lost) == 0)
            {
                await SaveProducerStateAsync(cancellationToken);
            }

            await _log.CloseAsync(cancellationToken);
            LogDeactivated(_logger, Name, reason, _log.HighWatermark);
        }
        finally
        {
            _local.Remove(Name);
            _instruments.ActivePartitions.Add(-1);
        }
    }

    public async ValueTask<FetchResponse> FetchAsync(FetchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxBytes <= 0)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"FetchRequest.MaxBytes must be positive (was {request.MaxBytes}).");
        }

        if (request.MaxWait < TimeSpan.Zero || request.MaxWait > _options.MaxFetchWait)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"FetchRequest.MaxWait must be between 0 and {_options.MaxFetchWait} (was {request.MaxWait}).");
        }

        var log = ServingLog();
        using var activity = StartActivity("runnel.fetch");
        activity?.SetTag("runnel.fetch.offset", request.Offset);
        try
        {
            var committedOnly = request.IsolationLevel == IsolationLevel.ReadCommitted;
            if (request.MaxWait > TimeSpan.Zero && (committedOnly ? request.Offset >= log.LastStableOffset && request.Offset <= log.HighWatermark : request.Offset == log.HighWatermark))
            {
                using var timeout = new CancellationTokenSource(request.MaxWait, _time);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _closing.Token, _stopping);
                try
                {
                    await (committedOnly ? log.WaitForStableOffsetAsync(request.Offset, wait.Token) : log.WaitForHighWatermarkAsync(request.Offset, wait.Token));
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // MaxWait passed (or the partition is closing): answer with what there is, which may be nothing.
                }
            }

            // Pooled: the response writer attaches the batches and releases their buffer once they are sent.
            var read = await log.ReadPooledAsync(request.Offset, request.MaxBytes, request.IsolationLevel, cancellationToken);
            _instruments.FetchRequests.Add(1, _tag);
            _instruments.FetchedBytes.Add(read.Batches.Length, _tag);
            activity?.SetTag("runnel.fetch.bytes", read.Batches.Length);
            return new FetchResponse(read.Batches, read.LogStartOffset, read.HighWatermark, read.LastStableOffset) { AbortedTransactions = read.AbortedTransactions };
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    /// <summary>A server span for one call on this partition, with OpenTelemetry's messaging attributes; null when no
    /// listener samples <see cref="PartitionInstruments.ActivitySource"/>.</summary>
    private Activity? StartActivity(string name)
    {
        var activity = PartitionInstruments.ActivitySource.StartActivity(name, ActivityKind.Server);
        activity?.SetTag("messaging.system", "runnel");
        activity?.SetTag("messaging.destination.name", _topic);
        activity?.SetTag("messaging.destination.partition.id", _partition);
        return activity;
    }

    public async ValueTask<SegmentLocation?> LocateSealedAsync(long offset, CancellationToken cancellationToken = default)
    {
        var log = ServingLog();
        try
        {
            var found = await log.LocateSealedAsync(offset, cancellationToken);
            return found is null ? null : new SegmentLocation(found.Segment, found.Position, found.SealedLength, found.BaseOffset, found.LastOffset, found.LogStartOffset, found.HighWatermark)
            {
                LastStableOffset = log.LastStableOffset,
                AbortedTransactions = log.AbortedTransactions(Math.Min(offset, found.BaseOffset), found.LastOffset + 1),
            };
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    public ValueTask<PartitionOffsets> GetOffsetsAsync(CancellationToken cancellationToken = default)
    {
        var log = ServingLog();
        return ValueTask.FromResult(new PartitionOffsets(log.LogStartOffset, log.HighWatermark, log.LastStableOffset));
    }

    public async ValueTask<long?> OffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken = default)
    {
        var log = ServingLog();
        try
        {
            return await log.OffsetForTimestampAsync(timestamp, cancellationToken);
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    public ValueTask<bool> HandOverIfMovedAsync(CancellationToken cancellationToken = default)
    {
        if (_log is null)
        {
            return ValueTask.FromResult(false);
        }

        // Only when another silo owns it now: asked to migrate while placement picks this silo, Orleans does not keep
        // the activation, it deactivates it (no migration target), and the next call takes the log over again here —
        // an extra takeover for nothing. A rebalancer round can ask a partition that already moved (its own list lags
        // the hand-over), and the call then lands here, at the new owner.
        SiloAddress[] active = [.. PartitionRebalancer.ActiveSilos(ServiceProvider.GetRequiredService<IClusterMembershipService>().CurrentSnapshot)];
        if (active.Length == 0)
        {
            return ValueTask.FromResult(false);
        }

        var owner = RendezvousHash.PickOwner(this.GetGrainId(), active);
        if (owner.Equals(_siloAddress))
        {
            return ValueTask.FromResult(false);
        }

        // Not before this silo's placement knows the owner can host partitions: a joining silo's grain manifest arrives a
        // little after its membership, and until then placement leaves the owner out, so the migration would land right
        // back here (a takeover for nothing, and a second one when it finally moves). The rebalancer asks again.
        var manifest = ServiceProvider.GetRequiredService<IClusterManifestProvider>().Current;
        if (!manifest.Silos.TryGetValue(owner, out var ownerManifest) || !ownerManifest.Grains.ContainsKey(this.GetGrainId().Type))
        {
            LogOwnerNotPlaceable(_logger, Name, owner.ToString());
            return ValueTask.FromResult(false);
        }

        LogHandingOver(_logger, Name);
        this.MigrateOnIdle();
        return ValueTask.FromResult(true);
    }

    public async ValueTask RetireAsync(CancellationToken cancellationToken = default)
    {
        if (_log is null)
        {
            DeactivateOnIdle(); // never served
            return;
        }

        var meta = await ReadTopicAsync(cancellationToken);
        if (meta is { IsActive: true } && _partition < meta.PartitionCount)
        {
            return;
        }

        if (Interlocked.Exchange(ref _retired, 1) != 0)
        {
            return;
        }

        _unavailable = new Unavailable(RunnelErrorCode.UnknownTopic, $"Topic '{_topic}' does not exist (partition {_partition} was retired when it was deleted).");
        await _closing.CancelAsync();
        await _log.CloseAsync(cancellationToken);
        DeactivateOnIdle();
        LogRetired(_logger, Name, _log.HighWatermark);
    }

    /// <summary>Parses the key and reads the topic's metadata; the reason this partition cannot serve, or null (and
    /// <see cref="_settings"/> set) when it can.</summary>
    private async Task<Unavailable?> CheckTopicAsync(CancellationToken cancellationToken)
    {
        try
        {
            (_topic, _partition) = PartitionKey.Parse(Name);
        }
        catch (RunnelException ex)
        {
            return new Unavailable(RunnelErrorCode.InvalidArgument, ex.Message);
        }

        if (!TopicName.IsValid(_topic, out _))
        {
            return new Unavailable(RunnelErrorCode.UnknownTopic, $"Topic '{_topic}' does not exist (the name is not valid).");
        }

        var meta = await ReadTopicAsync(cancellationToken);
        if (meta is not { IsActive: true })
        {
            return new Unavailable(RunnelErrorCode.UnknownTopic, $"Topic '{_topic}' does not exist.");
        }

        if (_partition >= meta.PartitionCount)
        {
            return new Unavailable(RunnelErrorCode.UnknownPartition, $"Topic '{_topic}' has {meta.PartitionCount} partitions; partition {_partition} does not exist.");
        }

        _settings = TopicSettings.From(meta, _time.GetUtcNow());
        return null;
    }

    /// <summary>The topic's metadata from its grain state (not through the topic grain, which may be busy deleting the
    /// topic and waiting for this partition); null when the topic does not exist. One storage read.</summary>
    private ValueTask<TopicMetadata?> ReadTopicAsync(CancellationToken cancellationToken) =>
        ServiceProvider.GetRequiredService<GrainStateReader>().ReadTopicAsync(_topic, cancellationToken);

    /// <summary>The log, when this activation serves; otherwise throws why not.</summary>
    private PartitionLog ServingLog()
    {
        if (_unavailable is { } unavailable)
        {
            DeactivateOnIdle();
            throw unavailable.ToException();
        }

        return _log ?? throw new RunnelException(RunnelErrorCode.ActivationFailed, $"Partition '{Name}' has no log.", isRetriable: true);
    }

    /// <summary>The log was fenced or closed under a call: retire's doing (the topic is gone), or the partition must be
    /// taken over again (deactivate; the caller retries). Returns the exception to throw.</summary>
    private RunnelException OnLogLost(RunnelException error)
    {
        if (_unavailable is { } unavailable)
        {
            return unavailable.ToException();
        }

        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            LogLost(_logger, Name, error.Message);
            DeactivateOnIdle();
        }

        return error;
    }

    public async ValueTask<long> DeleteRecordsAsync(long beforeOffset, CancellationToken cancellationToken = default)
    {
        var log = ServingLog();
        try
        {
            return await log.DeleteRecordsAsync(beforeOffset, cancellationToken);
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    public async ValueTask<PartitionCompaction> CompactAsync(CancellationToken cancellationToken = default)
    {
        var log = ServingLog();
        if (_time.GetUtcNow() - _settings.ReadAt >= _options.ConfigRefreshInterval)
        {
            await RefreshSettingsAsync(cancellationToken);
        }

        var policy = _settings.Compaction
            ?? throw new RunnelException(RunnelErrorCode.InvalidConfig, $"Topic '{_topic}' is not compacted: its {TopicConfig.CleanupPolicy} does not include 'compact'.");
        try
        {
            var result = await log.CompactAsync(policy, _time.GetUtcNow(), force: true, cancellationToken);
            return new PartitionCompaction(result.SegmentsCleaned, result.BytesRead, result.BytesWritten, result.RecordsRead, result.RecordsKept, result.FirstDirtyOffset);
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            throw OnLogLost(ex);
        }
    }

    public async ValueTask<int> EnforceRetentionAsync(CancellationToken cancellationToken = default)
    {
        ServingLog();
        return await RunRetentionAsync(cancellationToken);
    }

    /// <summary>The retention timer's tick, and <see cref="EnforceRetentionAsync"/> (exclusive turns: produce, which
    /// always interleaves, goes on meanwhile): deletes the sealed segments the topic's <c>retention.ms</c> /
    /// <c>retention.bytes</c> no longer keep, then, under <c>cleanup.policy</c> <c>compact</c>, runs a compaction pass
    /// when the dirty ratio is reached, reading the topic's config afresh when the cached copy is older than
    /// <see cref="RunnelGrainsOptions.ConfigRefreshInterval"/>. Failures are logged, not thrown (0 deleted).</summary>
    private async ValueTask<int> RunRetentionAsync(CancellationToken cancellationToken)
    {
        if (_log is null || Volatile.Read(ref _retired) != 0 || Volatile.Read(ref _lost) != 0)
        {
            return 0;
        }

        try
        {
            if (_time.GetUtcNow() - _settings.ReadAt >= _options.ConfigRefreshInterval)
            {
                await RefreshSettingsAsync(cancellationToken);
            }

            var deleted = await _log.EnforceRetentionAsync(_settings.Retention, _time.GetUtcNow(), cancellationToken);
            StartCompactionIfDue();
            return deleted;
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            _ = OnLogLost(ex);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            LogRetentionFailed(_logger, Name, ex.Message);
        }

        return 0;
    }

    /// <summary>Under <c>cleanup.policy</c> <c>compact</c>, starts a compaction pass beside the grain's turns when
    /// <c>min.cleanable.dirty.ratio</c> is reached and none runs (the check costs no storage call). The pass reads and
    /// rewrites segments for a while, so it is not awaited by the timer's turn, which would hold fetches up; deactivation
    /// cancels and awaits it.</summary>
    private void StartCompactionIfDue()
    {
        var log = _log!;
        var now = _time.GetUtcNow();
        if (_settings.Compaction is not { } policy || !_compaction.IsCompleted || log.CompactionDirtyRatio(policy, now) < policy.MinCleanableDirtyRatio)
        {
            return;
        }

        _compaction = Task.Run(async () =>
        {
            try
            {
                var result = await log.CompactAsync(policy, now, force: false, _closing.Token);
                if (result.Compacted)
                {
                    LogCompacted(_logger, Name, result.SegmentsCleaned, result.BytesRead, result.BytesWritten);
                }
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
            {
                // A fenced or closed log is found by the next call, which deactivates the grain.
                LogCompactionFailed(_logger, Name, ex.Message);
            }
        });
    }

    /// <summary>After every <c>segment.bytes</c> appended, saves the producer table (by the call that crosses the mark,
    /// before it answers; one save at a time): a successor then rebuilds whatever the snapshot lacks from at most about
    /// one segment of the log, however long this owner served.</summary>
    private async ValueTask SaveProducerStateIfDueAsync(int appendedBytes)
    {
        if (Interlocked.Add(ref _bytesSinceSnapshot, appendedBytes) < _settings.SegmentBytes || Interlocked.CompareExchange(ref _savingSnapshot, 1, 0) != 0)
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _bytesSinceSnapshot, 0);
            await SaveProducerStateAsync(CancellationToken.None); // the append is acknowledged: never fail it
        }
        finally
        {
            Volatile.Write(ref _savingSnapshot, 0);
        }
    }

    /// <summary>Writes the producer table to its snapshot blob, If-Match the ETag this activation read or wrote (so a
    /// fenced owner never overwrites its successor's). Best effort: a failure is logged; the next owner then rebuilds
    /// from an older snapshot and the recovered tail.</summary>
    private async Task SaveProducerStateAsync(CancellationToken cancellationToken)
    {
        ProducerStateSnapshot snapshot;
        lock (_producersGate)
        {
            snapshot = _producers.ToSnapshot(_log!.HighWatermark) with { LogEpoch = _log.Epoch };
        }

        if (snapshot.Producers.Count == 0 && _snapshotETag is null)
        {
            return;
        }

        var path = StoragePaths.ProducerState(_topic, _partition);
        var condition = _snapshotETag is { } etag ? BlobCondition.IfETagMatches(etag) : BlobCondition.IfNotExists;
        try
        {
            try
            {
                _snapshotETag = (await _store.PutAsync(path, snapshot.ToJson(), condition, cancellationToken)).ETag;
            }
            catch (PreconditionFailedException)
            {
                // A predecessor's last save can land after this activation read the snapshot (it saves before it
                // releases, and the takeover does not wait for the release). Its state is all in ours (its appends are
                // in the tail we recovered), so ours replaces it; without this every later save failed and the next
                // owner lost this activation's producers. A snapshot of a later log epoch is a successor's (this
                // activation was fenced): keep it — judged by the epoch, not by how far the offsets got.
                var current = await _store.TryGetAsync(path, cancellationToken: cancellationToken);
                if (current is not null && ProducerStateSnapshot.TryFromJson(current.Content.Span) is { } stored && stored.LogEpoch > snapshot.LogEpoch)
                {
                    throw;
                }

                var retry = current is null ? BlobCondition.IfNotExists : BlobCondition.IfETagMatches(current.Properties.ETag);
                _snapshotETag = (await _store.PutAsync(path, snapshot.ToJson(), retry, cancellationToken)).ETag;
            }
        }
        catch (StorageException ex)
        {
            LogSnapshotFailed(_logger, Name, ex.Message);
        }
    }

    /// <summary>Why an activation does not serve; a fresh exception per call (an exception object is not shared
    /// between threads that throw it).</summary>
    private sealed record Unavailable(RunnelErrorCode Code, string Message)
    {
        public RunnelException ToException() => new(Code, Message);
    }

    /// <summary>What the partition uses of its topic's config, as read at <see cref="ReadAt"/>.</summary>
    private sealed record TopicSettings(int MaxMessageBytes, long SegmentBytes, RetentionPolicy Retention, CompactionPolicy? Compaction, DateTimeOffset ReadAt)
    {
        public static readonly TopicSettings Unknown = new(TopicConfig.MaxMaxMessageBytes, TopicConfig.MinSegmentBytes, RetentionPolicy.KeepAll, null, DateTimeOffset.MinValue);

        public static TopicSettings From(TopicMetadata meta, DateTimeOffset now)
        {
            var config = TopicConfig.Effective(meta.Config);
            return new TopicSettings(
                (int)TopicConfig.GetInt64(config, TopicConfig.MaxMessageBytes),
                TopicConfig.GetInt64(config, TopicConfig.SegmentBytes),
                meta.Retention(),
                meta.Compaction(),
                now);
        }
    }
}
