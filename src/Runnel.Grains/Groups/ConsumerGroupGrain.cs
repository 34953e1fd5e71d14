using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Grains.Internal;
using Runnel.Log;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// One consumer group (<see cref="IConsumerGroupGrain"/>): members, sessions, epochs, the target assignment and the
/// committed offsets. Every state change is appended to the group's own <see cref="PartitionLog"/> under
/// <c>groups/{group}/</c> (taking that log over on activation fences any earlier activation) and a call returns only once
/// its changes are durable; the state is snapshotted to <c>groups/{group}/snapshot</c> every
/// <see cref="RunnelGrainsOptions.GroupSnapshotRecords"/> changes, so activation replays at most that many records.
/// </summary>
/// <remarks>
/// <para>Concurrency: every call that changes state is an exclusive turn (so are the session-check timer ticks); it
/// computes its changes on a draft, logs them, and swaps the draft in only when the log acknowledged them. Describe and
/// fetch run beside each other only, so they always see a whole state.</para>
/// <para>A group that never existed has no blobs: describe answers <see cref="RunnelErrorCode.UnknownGroup"/> without
/// creating any; the log is created by the first join, commit or reset.</para>
/// <para>Session deadlines are not logged: an activation gives every restored member a fresh session timeout, so
/// members that keep heartbeating keep their partitions without a rebalance.</para>
/// </remarks>
[GrainType("runnel.consumer-group")]
public sealed partial class ConsumerGroupGrain : Grain, IConsumerGroupGrain
{
    /// <summary>How many bytes one read of the log asks for during replay.</summary>
    private const int ReplayReadBytes = 1024 * 1024;

    /// <summary>How many replaced member ids are remembered to answer them <see cref="RunnelErrorCode.FencedMember"/>
    /// rather than <see cref="RunnelErrorCode.UnknownMember"/> (both mean "rejoin"; this only makes the reason clear).</summary>
    private const int MaxRememberedFenced = 1024;

    private readonly IObjectStore _store;
    private readonly RunnelGrainsOptions _options;
    private readonly PartitionLogOptions _logOptions;
    private readonly string _owner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILogger _logLogger;
    private readonly GroupInstruments _instruments;
    private KeyValuePair<string, object?> _groupTag;

    /// <summary>Session deadline per member id (not logged: restored members get a fresh one).</summary>
    private readonly Dictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);

    /// <summary>Committed offsets; changed only after their change is durable.</summary>
    private readonly Dictionary<GroupPartition, CommittedOffset> _offsets = [];

    /// <summary>Member ids replaced by a newer member of the same static instance (oldest first).</summary>
    private readonly LinkedList<string> _fenced = new();

    private GroupMembership _membership = new();
    private PartitionLog? _log;
    private string? _idError;
    private bool _exists;
    private bool _lost;
    private ETag? _snapshotETag;
    private int _changesSinceSnapshot;
    private IDisposable? _sessionTimer;

    public ConsumerGroupGrain(
        IObjectStore store, IOptions<RunnelGrainsOptions> options, ILocalSiloDetails silo, TimeProvider time, ILoggerFactory loggerFactory, GroupInstruments instruments)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(instruments);
        _instruments = instruments;
        _store = store;
        _options = options.Value;
        _owner = silo.Name;
        _time = time;
        _logger = loggerFactory.CreateLogger<ConsumerGroupGrain>();
        _logLogger = loggerFactory.CreateLogger<PartitionLog>();

        // Group changes are small but a target over many partitions is not: allow one call's changes a whole block.
        _logOptions = _options.PartitionLog with
        {
            SegmentBytes = Math.Min(_options.PartitionLog.SegmentBytes, 64L * 1024 * 1024),
            MaxBatchBytes = _options.PartitionLog.MaxBlockBytes,
            TailCacheBytes = 1024 * 1024,
        };
    }

    private string GroupId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RunnelGrainErrorFilter.ActivateAsync(ActivateAsync(cancellationToken));

    private async Task ActivateAsync(CancellationToken cancellationToken)
    {
        _groupTag = new KeyValuePair<string, object?>("group", GroupId);
        if (!GroupIds.IsValid(GroupId, out _idError))
        {
            return;
        }

        var manifest = await _store.TryGetAsync(StoragePaths.GroupManifest(GroupId), cancellationToken: cancellationToken);
        if (manifest is not null)
        {
            await OpenAsync(cancellationToken);
        }

        _sessionTimer = this.RegisterGrainTimer(async ct => await CheckSessionsAsync(ct), _options.GroupHeartbeatInterval, _options.GroupHeartbeatInterval);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _sessionTimer?.Dispose();
        if (_log is null)
        {
            return;
        }

        if (!_lost && _changesSinceSnapshot > 0)
        {
            await SaveSnapshotAsync(cancellationToken);
        }

        await _log.CloseAsync(cancellationToken);
        LogDeactivated(_logger, GroupId, reason, _membership.GroupEpoch);
    }

    public ValueTask<IReadOnlyList<CommittedOffset>> FetchOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        IReadOnlyList<CommittedOffset> result = partitions is null
            ? [.. _offsets.OrderBy(kv => kv.Key, PartitionOrder.Instance).Select(kv => kv.Value)]
            : [.. partitions.Where(p => p is not null).Distinct().Select(p => _offsets.GetValueOrDefault(p)).OfType<CommittedOffset>()];
        return ValueTask.FromResult(result);
    }

    public ValueTask<GroupDescription> DescribeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (!_exists)
        {
            throw new RunnelException(RunnelErrorCode.UnknownGroup, $"Group '{GroupId}' does not exist.");
        }

        var membership = _membership;
        var members = membership.Members.Values
            .OrderBy(m => m.MemberId, StringComparer.Ordinal)
            .Select(m => new GroupMemberDescription(m.MemberId, m.InstanceId, m.ClientId, m.MemberEpoch, m.Assigned, m.PendingRevocation)
            {
                SubscribedTopics = m.SubscribedTopics,
                SubscribedPattern = m.SubscribedPattern,
                Target = membership.Target.For(m.MemberId),
                RackId = m.RackId,
            })
            .ToList();
        var state = members.Count == 0 ? GroupState.Empty
            : membership.GroupEpoch == membership.Target.Epoch && membership.Members.Values.All(m => m.PendingRevocation.Count == 0 && m.Assigned.ToHashSet().SetEquals(membership.Target.For(m.MemberId)))
                ? GroupState.Stable
                : GroupState.Reconciling;
        var offsets = _offsets.OrderBy(kv => kv.Key, PartitionOrder.Instance).Select(kv => kv.Value).ToList();
        return ValueTask.FromResult(new GroupDescription(GroupId, state, membership.GroupEpoch, membership.Target.Assignor, members, offsets) { AssignmentEpoch = membership.Target.Epoch });
    }

    public async ValueTask ResetOffsetsAsync(IReadOnlyList<CommittedOffset> offsets, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ValidateOffsets(offsets);
        await EnsureOpenAsync(cancellationToken);
        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        ExpireSessions(draft, changes);
        if (draft.Members.Count > 0 || ClassicMemberCount > 0)
        {
            throw NotEmpty(draft, "reset its offsets");
        }

        Emit(draft, changes, new OffsetsCommitted(offsets, Reset: true));
        await LogChangesAsync(draft, changes, cancellationToken);
        LogOffsetsReset(_logger, GroupId, offsets.Count);
    }

    public async ValueTask DeleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (!_exists)
        {
            throw new RunnelException(RunnelErrorCode.UnknownGroup, $"Group '{GroupId}' does not exist.");
        }

        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        ExpireSessions(draft, changes);
        if (draft.Members.Count > 0 || ClassicMemberCount > 0)
        {
            throw NotEmpty(draft, "be deleted");
        }

        // Hand the log back first (no more writes), then remove every blob, the manifest last: a deletion cut short
        // leaves a manifest, so the group is still listed and the next delete finishes the job.
        await _log!.CloseAsync(cancellationToken);
        _log = null;
        var blobs = new List<string>();
        await foreach (var blob in _store.ListAllAsync(StoragePaths.GroupPrefix(GroupId), cancellationToken: cancellationToken))
        {
            blobs.Add(blob.Name);
        }

        var manifest = StoragePaths.GroupManifest(GroupId);
        foreach (var name in blobs.Where(n => n != manifest).Append(manifest))
        {
            try
            {
                await _store.DeleteAsync(name, cancellationToken: cancellationToken);
            }
            catch (BlobNotFoundException)
            {
            }
        }

        await Catalog.RemoveAsync(GroupId, ""); // after the manifest: a deletion cut short keeps the name
        _exists = false;
        _membership = new GroupMembership();
        _offsets.Clear();
        _pending.Clear();
        _producerEpochs.Clear();
        _sessions.Clear();
        _snapshotETag = null;
        _changesSinceSnapshot = 0;
        DeactivateOnIdle();
        LogDeleted(_logger, GroupId, blobs.Count);
    }

    private void ThrowIfInvalidId()
    {
        if (_idError is not null)
        {
            throw new RunnelException(RunnelErrorCode.InvalidGroupId, _idError);
        }
    }

    private RunnelException NotEmpty(GroupMembership draft, string what)
    {
        var ids = draft.Members.Keys.Concat(_classic?.Members.Select(m => m.MemberId) ?? []).Order(StringComparer.Ordinal).ToList();
        return new(RunnelErrorCode.GroupNotEmpty, $"Group '{GroupId}' has {ids.Count} members ({string.Join(", ", ids.Take(5))}); it can {what} only when it has none.");
    }

    /// <summary>Opens the log (creating the group) if this activation has not yet.</summary>
    private async ValueTask EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (_log is null)
        {
            // The catalog first: a crash before the log exists leaves it a name that listing leaves out.
            await Catalog.AddAsync(GroupId, "");
            await OpenAsync(cancellationToken);
        }
    }

    private ICatalogRegistry Catalog => GrainFactory.GetGrain<ICatalogRegistry>(GrainId.Create(ConsumerGroupCatalogGrain.GrainTypeName, RunnelCluster.SingletonKey));

    /// <summary>Takes the group's log over (fencing any earlier activation), loads the snapshot and replays the log
    /// from the snapshot's offset; every restored member gets a fresh session timeout.</summary>
    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var log = await PartitionLog.OpenAsync(_store, new PartitionPaths(StoragePaths.GroupPrefix(GroupId)), _owner, _logOptions, _logLogger, cancellationToken);

        // Read after the takeover: a predecessor saves a snapshot before it trims the log below it, and can no longer
        // trim once we own the log; read earlier, the snapshot could predate a trim and leave a gap in the replay.
        var snapshotName = StoragePaths.GroupSnapshot(GroupId);
        var snapshotBlob = await _store.TryGetAsync(snapshotName, cancellationToken: cancellationToken);
        var snapshot = snapshotBlob is null ? null : GroupSnapshot.FromJson(snapshotBlob.Content.Span, snapshotName);
        if ((snapshot?.NextOffset ?? 0) < log.LogStartOffset)
        {
            await log.DisposeAsync();
            throw new RunnelException(
                RunnelErrorCode.StorageCorrupt,
                $"Consumer group '{GroupId}': its log starts at offset {log.LogStartOffset} but its snapshot covers only up to {snapshot?.NextOffset ?? 0} ({(snapshot is null ? "no snapshot blob" : snapshotName)}): the changes between are gone. Restore the snapshot blob, or delete the group to start it afresh.");
        }

        var membership = snapshot is null ? new GroupMembership() : GroupMembership.From(snapshot);
        _offsets.Clear();
        foreach (var offset in snapshot?.Offsets ?? [])
        {
            _offsets[new GroupPartition(offset.Topic, offset.Partition)] = offset;
        }

        LoadTransactions(snapshot);

        var next = Math.Max(snapshot?.NextOffset ?? 0, log.LogStartOffset);
        var replayed = 0;
        while (next < log.HighWatermark)
        {
            var read = await log.ReadAsync(next, ReplayReadBytes, cancellationToken);
            if (read.Batches.IsEmpty)
            {
                break;
            }

            foreach (var batch in new RecordBatchReader(read.Batches))
            {
                using var records = batch.ReadRecords();
                foreach (var record in records)
                {
                    if (record.Offset >= next)
                    {
                        ApplyDurable(membership, GroupChangeCodec.Decode(record));
                        replayed++;
                    }
                }

                next = Math.Max(next, batch.LastOffset + 1);
            }
        }

        _log = log;
        _membership = membership;
        _snapshotETag = snapshotBlob?.Properties.ETag;
        _exists = true;
        _lost = false;
        var now = _time.GetUtcNow();
        _sessions.Clear();
        foreach (var member in membership.Members.Values)
        {
            _sessions[member.MemberId] = now + member.SessionTimeout;
        }

        _changesSinceSnapshot = replayed;
        if (replayed > 0)
        {
            await SaveSnapshotAsync(cancellationToken);
        }

        LogActivated(_logger, GroupId, log.Epoch, membership.GroupEpoch, membership.Members.Count, _offsets.Count, snapshot?.NextOffset ?? 0, replayed);
    }

    /// <summary>Applies a change to a draft and records it for logging.</summary>
    private static void Emit(GroupMembership draft, List<GroupChange> changes, GroupChange change)
    {
        draft.Apply(change);
        changes.Add(change);
    }

    /// <summary>Applies a durable change: membership to <paramref name="membership"/>, offsets to the table.</summary>
    private void ApplyDurable(GroupMembership membership, GroupChange change)
    {
        membership.Apply(change);
        if (change is OffsetsCommitted committed)
        {
            foreach (var offset in committed.Offsets)
            {
                _offsets[new GroupPartition(offset.Topic, offset.Partition)] = offset;
            }
        }

        ApplyTransactional(change);
    }

    /// <summary>
    /// Logs <paramref name="changes"/> as one batch and, once durable, makes <paramref name="draft"/> the state (and
    /// applies offsets). Nothing is written when there is nothing to log. A log that is fenced or fails makes the
    /// activation deactivate (the draft is dropped; the next activation replays what is durable) and the caller gets
    /// the log's retriable error.
    /// </summary>
    private async Task LogChangesAsync(GroupMembership draft, List<GroupChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var log = _log ?? throw new RunnelException(RunnelErrorCode.ActivationFailed, $"Group '{GroupId}' has no log.", isRetriable: true);
        var batch = GroupChangeCodec.Encode(changes, _time.GetUtcNow().ToUnixTimeMilliseconds(), _logOptions.MaxBatchBytes);
        try
        {
            await log.AppendAsync(batch, CancellationToken.None);
        }
        catch (RunnelException ex) when (ex is NotOwnerException or LogClosedException)
        {
            if (!_lost)
            {
                _lost = true;
                LogLost(_logger, GroupId, ex.Message);
                DeactivateOnIdle();
            }

            throw;
        }

        _membership = draft;
        foreach (var change in changes)
        {
            if (change is GroupEpochChanged)
            {
                _instruments.Rebalances.Add(1, _groupTag);
            }
            else if (change is OffsetsCommitted committed)
            {
                foreach (var offset in committed.Offsets)
                {
                    _offsets[new GroupPartition(offset.Topic, offset.Partition)] = offset;
                }
            }
            else if (change is MemberRemoved removed)
            {
                _sessions.Remove(removed.MemberId);
            }

            ApplyTransactional(change);
        }

        _changesSinceSnapshot += changes.Count;
        if (_changesSinceSnapshot >= _options.GroupSnapshotRecords)
        {
            await SaveSnapshotAsync(cancellationToken);
        }
    }

    /// <summary>Writes the whole state as of the log's high watermark, If-Match the ETag this activation read or wrote
    /// (a fenced activation cannot overwrite its successor's). Best effort: a failure is logged and the next
    /// activation replays a longer tail.</summary>
    private async Task SaveSnapshotAsync(CancellationToken cancellationToken)
    {
        var log = _log!;
        var snapshot = new GroupSnapshot(
            GroupSnapshot.CurrentVersion,
            log.HighWatermark,
            _membership.GroupEpoch,
            _membership.Target,
            [.. _membership.Members.Values],
            [.. _offsets.Values],
            [.. _pending.Values],
            [.. _producerEpochs.Select(kv => new TransactionEnded(kv.Key, kv.Value))]);
        var condition = _snapshotETag is { } etag ? BlobCondition.IfETagMatches(etag) : BlobCondition.IfNotExists;
        try
        {
            var written = await _store.PutAsync(StoragePaths.GroupSnapshot(GroupId), snapshot.ToJson(), condition, cancellationToken);
            _snapshotETag = written.ETag;
            _changesSinceSnapshot = 0;
            LogSnapshotSaved(_logger, GroupId, snapshot.NextOffset);
        }
        catch (StorageException ex)
        {
            LogSnapshotFailed(_logger, GroupId, ex.Message);
            return;
        }

        try
        {
            // Everything below the snapshot is in it: whole segments below go, so the group's log does not grow forever.
            await log.DeleteSegmentsBelowAsync(snapshot.NextOffset, cancellationToken);
        }
        catch (RunnelException ex)
        {
            // Best effort, like the snapshot: a fenced or closed log is found out by the next append.
            LogSnapshotFailed(_logger, GroupId, $"trimming the log below the snapshot: {ex.Message}");
        }
    }

    /// <summary>Offsets in a commit or reset: non-empty topic names, partitions and offsets not negative, no partition twice.</summary>
    private static void ValidateOffsets(IReadOnlyList<CommittedOffset> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var seen = new HashSet<GroupPartition>();
        foreach (var offset in offsets)
        {
            if (offset is null || !TopicName.IsValid(offset.Topic, out _) || offset.Partition < 0 || offset.Offset < 0)
            {
                throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Offset {offset?.ToString() ?? "null"} is not valid: it needs a valid topic name, a partition >= 0 and an offset >= 0.");
            }

            if (!seen.Add(new GroupPartition(offset.Topic, offset.Partition)))
            {
                throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Partition {PartitionKey.Format(offset.Topic, offset.Partition)} appears twice in one request.");
            }
        }
    }
}
