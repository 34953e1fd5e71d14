using Runnel.Log;

namespace Runnel.Grains.Internal;

/// <summary>
/// The idempotent producers of one partition: per producer id its epoch, the sequence number it must send next and its
/// last <see cref="RecentBatchLimit"/> batches (sequence range and where they landed), as Kafka keeps them.
/// </summary>
/// <remarks>
/// Not thread-safe: the partition grain holds one lock around each check-and-record, and calls
/// <see cref="PartitionLog.AppendAsync(ReadOnlyMemory{byte}, CancellationToken)"/> inside it so that a producer's batches reach the log in sequence order.
/// A recent batch holds the task of its append, so a retry that arrives while the original is still being written
/// waits for the original's offsets instead of being appended twice.
/// </remarks>
internal sealed class ProducerStateTable
{
    /// <summary>Kafka keeps the last 5 batches per producer: an idempotent producer has at most 5 requests in flight
    /// (max.in.flight.requests.per.connection), so any retry is one of them.</summary>
    public const int RecentBatchLimit = 5;

    private readonly Dictionary<long, Producer> _producers = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes the next time any producer's state advances (a new batch is recorded).</summary>
    public Task Changed => _changed.Task;

    /// <summary>
    /// True when the batch is ahead of the producer's expected sequence — an unknown producer not starting at 0, or a
    /// known one skipping ahead — so an earlier request of the same producer may still be on its way. The caller waits for
    /// <see cref="Changed"/> (bounded) before calling <see cref="Check"/>, so batches are admitted in sequence order.
    /// </summary>
    public bool IsAhead(long producerId, short epoch, int baseSequence)
    {
        if (!_producers.TryGetValue(producerId, out var producer) || epoch > producer.Epoch)
        {
            return baseSequence > 0;
        }

        return epoch == producer.Epoch && baseSequence > producer.NextSequence && !producer.Recent.Any(r => r.BaseSequence == baseSequence);
    }

    /// <summary>How many producers are known.</summary>
    public int Count => _producers.Count;

    /// <summary>The decision for an incoming idempotent batch: a duplicate of a recent batch (its append task), or null
    /// when it is the next in sequence (the caller appends it and calls <see cref="Record"/>).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ProducerFenced"/> for an epoch older than the
    /// producer's; <see cref="RunnelErrorCode.UnknownProducerId"/> for a producer (or a newer epoch) not starting at
    /// sequence 0; <see cref="RunnelErrorCode.OutOfOrderSequence"/> for a sequence that is neither next nor recent.</exception>
    public Task<LogAppendResult>? Check(long producerId, short epoch, int baseSequence, int lastSequence, string partition)
    {
        if (!_producers.TryGetValue(producerId, out var producer))
        {
            // A producer starts at sequence 0. Taking a later sequence as its start would write that batch ahead of an
            // earlier one still on its way (requests can overtake each other), and then refuse the earlier one for good.
            return baseSequence == 0 ? null : throw UnknownProducer(producerId, epoch, baseSequence, partition);
        }

        if (epoch < producer.Epoch)
        {
            throw new RunnelException(
                RunnelErrorCode.ProducerFenced,
                $"Producer {producerId} sent epoch {epoch} to partition '{partition}', which has seen epoch {producer.Epoch}: a newer instance of this producer took over.");
        }

        if (epoch > producer.Epoch)
        {
            return baseSequence == 0 ? null : throw UnknownProducer(producerId, epoch, baseSequence, partition);
        }

        foreach (var recent in producer.Recent)
        {
            if (recent.BaseSequence == baseSequence && recent.LastSequence == lastSequence)
            {
                return recent.Append;
            }
        }

        return baseSequence == producer.NextSequence
            ? null
            : throw new RunnelException(
                RunnelErrorCode.OutOfOrderSequence,
                $"Producer {producerId} (epoch {epoch}) sent sequence {baseSequence} to partition '{partition}'; expected {producer.NextSequence}"
                + " or a retry of one of its last 5 batches.");
    }

    private static RunnelException UnknownProducer(long producerId, short epoch, int baseSequence, string partition) => new(
        RunnelErrorCode.UnknownProducerId,
        $"Partition '{partition}' has no state for producer {producerId} epoch {epoch}, and its batch starts at sequence {baseSequence}, not 0:"
        + " an earlier batch is still on its way, or the producer's records here were deleted.",
        isRetriable: true);

    /// <summary>Records a batch accepted by <see cref="Check"/> (its append under way or done).</summary>
    public void Record(long producerId, short epoch, int baseSequence, int lastSequence, Task<LogAppendResult> append)
    {
        if (!_producers.TryGetValue(producerId, out var producer) || epoch > producer.Epoch)
        {
            producer = new Producer(epoch);
            _producers[producerId] = producer;
        }
        else if (epoch < producer.Epoch)
        {
            return; // only replay can bring an older epoch: the newer state wins
        }

        producer.Recent.Enqueue(new RecentBatch(baseSequence, lastSequence, append));
        if (producer.Recent.Count > RecentBatchLimit)
        {
            producer.Evicted = producer.Recent.Dequeue();
        }

        producer.NextSequence = lastSequence == int.MaxValue ? 0 : lastSequence + 1;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>Refuses a transaction marker older than the producer's epoch here.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ProducerFenced"/>.</exception>
    public void CheckMarker(long producerId, short epoch, string partition)
    {
        if (_producers.TryGetValue(producerId, out var producer) && epoch < producer.Epoch)
        {
            throw new RunnelException(
                RunnelErrorCode.ProducerFenced,
                $"A transaction marker for producer {producerId} carries epoch {epoch}, but partition '{partition}' has seen epoch {producer.Epoch}: a newer instance of this producer took over.");
        }
    }

    /// <summary>Records a transaction marker of <paramref name="epoch"/>: a newer epoch than the producer's starts it
    /// afresh (its next batch is sequence 0, and the older epoch is fenced); the same epoch changes nothing (a Kafka
    /// client's next transaction goes on with its sequence).</summary>
    public void EndTransaction(long producerId, short epoch)
    {
        if (_producers.TryGetValue(producerId, out var producer) && epoch <= producer.Epoch)
        {
            return;
        }

        _producers[producerId] = new Producer(epoch) { EpochFromMarker = true };
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>Records a batch known to be in the log (from a snapshot or the recovered tail).</summary>
    public void RecordDurable(long producerId, short epoch, int baseSequence, int lastSequence, long baseOffset, long lastOffset) =>
        Record(producerId, epoch, baseSequence, lastSequence, Task.FromResult(new LogAppendResult(baseOffset, lastOffset)));

    /// <summary>Replays a stored batch's header (from <see cref="PartitionLog.RecoveredTail"/>); batches without a
    /// producer id or sequence are skipped.</summary>
    public void Replay(BatchSummary batch)
    {
        if (batch.Kind is BatchKind.CommitMarker or BatchKind.AbortMarker && batch.ProducerId >= 0)
        {
            EndTransaction(batch.ProducerId, batch.ProducerEpoch);
            return;
        }

        if (batch.ProducerId < 0 || batch.BaseSequence < 0)
        {
            return;
        }

        RecordDurable(batch.ProducerId, batch.ProducerEpoch, batch.BaseSequence, LastSequence(batch.BaseSequence, batch.LastOffset - batch.BaseOffset), batch.BaseOffset, batch.LastOffset);
    }

    /// <summary>Kafka's sequence arithmetic: sequences wrap from <see cref="int.MaxValue"/> to 0.</summary>
    public static int LastSequence(int baseSequence, long delta) => (int)((baseSequence + delta) % ((long)int.MaxValue + 1));

    /// <summary>The state as of <paramref name="nextOffset"/> (the high watermark, read under the same lock): each
    /// producer's batches that are durable below it. Appends may be in flight: what lands at or past
    /// <paramref name="nextOffset"/> is for the next owner to replay from the log; a producer whose recent batches are
    /// all still in flight is saved with the last durable batch it had before them.</summary>
    public ProducerStateSnapshot ToSnapshot(long nextOffset)
    {
        var producers = new List<ProducerSnapshotEntry>(_producers.Count);
        foreach (var (id, producer) in _producers.OrderBy(p => p.Key))
        {
            var batches = producer.Recent
                .Where(r => IsDurableBelow(r, nextOffset))
                .Select(r => new ProducerSnapshotBatch(r.BaseSequence, r.LastSequence, r.Append.Result.BaseOffset, r.Append.Result.LastOffset))
                .ToList();
            if (batches.Count == 0 && producer.Evicted is { } evicted && IsDurableBelow(evicted, nextOffset))
            {
                batches.Add(new ProducerSnapshotBatch(evicted.BaseSequence, evicted.LastSequence, evicted.Append.Result.BaseOffset, evicted.Append.Result.LastOffset));
            }

            if (batches.Count > 0 || producer.EpochFromMarker)
            {
                // A producer whose epoch a marker set, with no batch since, is kept for its epoch: it fences the older one.
                producers.Add(new ProducerSnapshotEntry(id, producer.Epoch, batches));
            }
        }

        return new ProducerStateSnapshot(ProducerStateSnapshot.CurrentVersion, nextOffset, producers);
    }

    /// <summary>Loads a snapshot's batches that lie below <paramref name="highWatermark"/>.</summary>
    public void Load(ProducerStateSnapshot snapshot, long highWatermark)
    {
        foreach (var producer in snapshot.Producers)
        {
            if (producer.Batches.Count == 0)
            {
                EndTransaction(producer.ProducerId, producer.Epoch);
            }

            foreach (var batch in producer.Batches.Where(b => b.LastOffset < highWatermark))
            {
                RecordDurable(producer.ProducerId, producer.Epoch, batch.BaseSequence, batch.LastSequence, batch.BaseOffset, batch.LastOffset);
            }
        }
    }

    private sealed class Producer(short epoch)
    {
        public short Epoch { get; } = epoch;

        /// <summary>The epoch came from a transaction marker (it may have no batch yet).</summary>
        public bool EpochFromMarker { get; init; }

        public int NextSequence { get; set; }

        public Queue<RecentBatch> Recent { get; } = new(RecentBatchLimit + 1);

        /// <summary>The batch last pushed out of <see cref="Recent"/>: the producer's newest durable batch while every
        /// recent one is still being appended.</summary>
        public RecentBatch? Evicted { get; set; }
    }

    private static bool IsDurableBelow(RecentBatch batch, long nextOffset) =>
        batch.Append.IsCompletedSuccessfully && batch.Append.Result.LastOffset < nextOffset;

    private sealed record RecentBatch(int BaseSequence, int LastSequence, Task<LogAppendResult> Append);
}
