using Runnel.Grains.Internal;

namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    /// <summary>Each transactional producer's offsets pending in its open transaction, by producer id; changed only after
    /// their change is durable (logged, and in the snapshot).</summary>
    private readonly Dictionary<long, TransactionalOffsetsPending> _pending = [];

    /// <summary>The newest epoch this group has seen per transactional producer id (a commit or its coordinator's marker):
    /// an older epoch's commit is a zombie's and is fenced.</summary>
    private readonly Dictionary<long, short> _producerEpochs = [];

    public ValueTask<IReadOnlyList<CommittedOffset>> FetchStableOffsetsAsync(IReadOnlyList<GroupPartition>? partitions, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        foreach (var pending in _pending.Values)
        {
            foreach (var offset in pending.Offsets)
            {
                var partition = new GroupPartition(offset.Topic, offset.Partition);
                if (partitions is null || partitions.Contains(partition))
                {
                    throw new RunnelException(
                        RunnelErrorCode.UnstableOffsetCommit,
                        $"Group '{GroupId}' has an offset for partition {PartitionKey.Format(offset.Topic, offset.Partition)} pending in the open transaction of '{pending.TransactionalId}' (producer {pending.ProducerId}); try again once it completes.",
                        isRetriable: true);
                }
            }
        }

        return FetchOffsetsAsync(partitions, cancellationToken);
    }

    /// <summary>
    /// Kafka's TxnOffsetCommit: the committer is checked as for <see cref="CommitOffsetsAsync"/> (member, epoch, partitions
    /// held, no offset backwards); the producer's epoch must not be older than the newest this group has seen for its
    /// id. The offsets join the producer's pending ones (a newer epoch's commit replaces an older epoch's leftovers) and
    /// are durable when it returns.
    /// </summary>
    public async ValueTask CommitTransactionalOffsetsAsync(TransactionalOffsetCommitRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Producer);
        if (!TopicName.IsValid(request.TransactionalId, out _))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Transactional offset commit to group '{GroupId}': transactional id '{request.TransactionalId}' is not valid.");
        }

        if (request.Producer.ProducerId < 0 || request.Producer.ProducerEpoch < 0)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Transactional offset commit to group '{GroupId}': producer {request.Producer.ProducerId} epoch {request.Producer.ProducerEpoch} is not a transactional producer's identity.");
        }

        ValidateOffsets(request.Offsets);
        var plain = new OffsetCommitRequest(request.MemberId ?? "", request.MemberEpoch, request.Offsets);
        if (!string.IsNullOrEmpty(plain.MemberId) && !_exists)
        {
            throw new RunnelException(RunnelErrorCode.UnknownMember, $"Member '{plain.MemberId}' is not in group '{GroupId}' (the group does not exist).");
        }

        await EnsureOpenAsync(cancellationToken);
        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        ExpireSessions(draft, changes);
        CheckCommit(draft, plain);

        var (producerId, epoch) = (request.Producer.ProducerId, request.Producer.ProducerEpoch);
        var seen = _producerEpochs.TryGetValue(producerId, out var known) ? known : (short)-1;
        var pending = _pending.GetValueOrDefault(producerId);
        if (epoch < seen || (pending is not null && epoch < pending.ProducerEpoch))
        {
            throw new RunnelException(
                RunnelErrorCode.ProducerFenced,
                $"Transactional offset commit of '{request.TransactionalId}' to group '{GroupId}' refused: producer {producerId} epoch {epoch} is fenced (this group has seen epoch {Math.Max(seen, pending?.ProducerEpoch ?? -1)}). Nothing was committed.");
        }

        var merged = new Dictionary<GroupPartition, CommittedOffset>();
        if (pending is not null && pending.ProducerEpoch == epoch)
        {
            foreach (var offset in pending.Offsets)
            {
                merged[new GroupPartition(offset.Topic, offset.Partition)] = offset;
            }
        }

        foreach (var offset in request.Offsets)
        {
            merged[new GroupPartition(offset.Topic, offset.Partition)] = offset;
        }

        var next = new TransactionalOffsetsPending(producerId, epoch, request.TransactionalId, [.. merged.OrderBy(kv => kv.Key, PartitionOrder.Instance).Select(kv => kv.Value)]);
        if (pending is null || pending.ProducerEpoch != epoch || pending.TransactionalId != next.TransactionalId || !pending.Offsets.SequenceEqual(next.Offsets))
        {
            Emit(draft, changes, next);
        }

        await LogChangesAsync(draft, changes, cancellationToken);
    }

    /// <summary>
    /// The coordinator's marker: the producer's pending offsets become committed (those not below what is committed
    /// now: no offset moves backwards) or are dropped, and <paramref name="producerEpoch"/> becomes the newest epoch this
    /// group knows for the producer. A marker older than what the group has seen does nothing, and so does one for a
    /// group that does not exist; a repeated marker writes nothing. Durable when it returns.
    /// </summary>
    public async ValueTask CompleteTransactionAsync(long producerId, short producerEpoch, bool commit, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (!_exists)
        {
            return; // no group, so nothing pending: nothing to complete, and no log to create for it
        }

        var seen = _producerEpochs.TryGetValue(producerId, out var known) ? known : (short)-1;
        var pending = _pending.GetValueOrDefault(producerId);
        if (producerEpoch < seen || (pending is not null && producerEpoch < pending.ProducerEpoch) || (pending is null && producerEpoch == seen))
        {
            LogStaleMarker(_logger, GroupId, producerId, producerEpoch, Math.Max(seen, pending?.ProducerEpoch ?? -1));
            return;
        }

        await EnsureOpenAsync(cancellationToken);
        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        if (commit && pending is not null)
        {
            var forward = pending.Offsets.Where(o => !_offsets.TryGetValue(new GroupPartition(o.Topic, o.Partition), out var committed) || o.Offset >= committed.Offset).ToList();
            if (forward.Count > 0)
            {
                Emit(draft, changes, new OffsetsCommitted(forward, Reset: false));
            }
        }

        Emit(draft, changes, new TransactionEnded(producerId, producerEpoch));
        await LogChangesAsync(draft, changes, cancellationToken);
        LogTransactionCompleted(_logger, GroupId, producerId, producerEpoch, commit, pending?.Offsets.Count ?? 0);
    }

    /// <summary>Applies a durable transactional change to the pending offsets and producer epochs.</summary>
    private void ApplyTransactional(GroupChange change)
    {
        switch (change)
        {
            case TransactionalOffsetsPending pending:
                _pending[pending.ProducerId] = pending;
                RaiseEpoch(pending.ProducerId, pending.ProducerEpoch);
                break;
            case TransactionEnded ended:
                _pending.Remove(ended.ProducerId);
                RaiseEpoch(ended.ProducerId, ended.ProducerEpoch);
                break;
        }
    }

    private void RaiseEpoch(long producerId, short epoch)
    {
        if (!_producerEpochs.TryGetValue(producerId, out var known) || known < epoch)
        {
            _producerEpochs[producerId] = epoch;
        }
    }

    /// <summary>Loads a snapshot's pending offsets and producer epochs (a version 1 snapshot has neither).</summary>
    private void LoadTransactions(GroupSnapshot? snapshot)
    {
        _pending.Clear();
        _producerEpochs.Clear();
        foreach (var ended in snapshot?.ProducerEpochs ?? [])
        {
            _producerEpochs[ended.ProducerId] = ended.ProducerEpoch;
        }

        foreach (var pending in snapshot?.Pending ?? [])
        {
            _pending[pending.ProducerId] = pending;
        }
    }
}
