using Runnel.Client.Internal;
using Runnel.Log.Batches;

namespace Runnel.Client;

/// <remarks>
/// <para><b>How a transaction spanning partitions applies in one swap.</b> The transaction coordinator writes a commit or
/// abort marker to every partition the transaction wrote to, and puts into each marker a header Kafka clients ignore
/// (<see cref="ControlRecords.ParticipantsHeader"/>): the transaction's id among its producer's and its partitions of the
/// marker's topic. The table reads every record into its partition's queue, in offset order. A producer's transactional
/// records on a partition belong to the transaction whose marker of that producer comes next on the partition (a
/// producer's next transaction begins only after the coordinator wrote every marker of its previous one). A record may
/// apply when it is not transactional, or its transaction's commit marker has been read on every participant partition
/// the table follows; aborted records are dropped. Each partition's queue applies up to its first record that may not.
/// Then, so that no transaction applies in part, a transaction with records inside one partition's applicable prefix
/// but past the prefix of another cuts every partition's prefix back to before its records there (repeated until no
/// prefix changes). What remains of every prefix applies in one swap: a reader sees all of a transaction or none of it,
/// and per partition the records apply in offset order.</para>
/// <para>A marker without the header (from before it existed) names no other partition: its transaction applies per
/// partition, as batches do. Participants the table does not follow are not waited for. Nor is a participant whose
/// log start was above 0 when the table started (retention or DeleteRecords removed its head), once the table read it
/// up to its restore target, for a transaction committed before the table started (a marker read below its
/// partition's restore target): its part there may be gone with the head, and waiting for it would hold the
/// transaction, and its partitions, forever.</para>
/// </remarks>
public sealed partial class RunnelTable<TKey, TValue>
{
    /// <summary>How many completed transaction ids are remembered per producer, so that a marker the coordinator wrote
    /// twice (a retried write whose first answer was lost) does not open a transaction that never completes.</summary>
    private const int CompletedIdsKept = 8;

    /// <summary>Each followed partition's queue of records not applied yet (the reading loop only).</summary>
    private readonly Dictionary<int, PartitionQueue> _queues = [];

    /// <summary>Transactions whose commit marker was read on some participants but not all, by producer and id.</summary>
    private readonly Dictionary<(long ProducerId, long TransactionId), Transaction> _incomplete = [];

    /// <summary>The last completed transaction ids per producer (at most <see cref="CompletedIdsKept"/>).</summary>
    private readonly Dictionary<long, Queue<long>> _completed = [];

    /// <summary>Reads one fetched batch's records and markers into its partition's queue.</summary>
    private void Ingest(ConsumedBatch batch)
    {
        OpenAddedPartitions();
        var partition = batch.Partition;
        var queue = _queues[partition];
        foreach (var view in new RecordBatchReader(batch.RawBatches, verifyCrc: false))
        {
            if (view.LastOffset < batch.FirstOffset)
            {
                continue;
            }

            var header = view.Header;
            using var records = view.ReadRecords();
            if (header.IsControlBatch)
            {
                foreach (var record in records)
                {
                    OnMarker(queue, partition, header.ProducerId, record);
                }

                continue;
            }

            Segment? segment = null;
            if (header.IsTransactional && !queue.Open.TryGetValue(header.ProducerId, out segment))
            {
                queue.Open[header.ProducerId] = segment = new Segment(partition);
            }

            foreach (var record in records)
            {
                if (record.Offset < batch.FirstOffset || record.Key is not { } keyBytes)
                {
                    continue;
                }

                var key = Deserialize(_keys, keyBytes.Span, batch.TopicPartition, record.Offset, "key");
                var kind = RowKindHeader.Of(record.Headers);
                var removes = record.Value is null || kind is RowKind.Delete or RowKind.UpdateBefore;
                var value = removes ? default : Deserialize(_values, record.Value!.Value.Span, batch.TopicPartition, record.Offset, "value");
                segment?.Add(queue.NextSeq);
                queue.Items.Enqueue(new Pending(record.Offset, key, value, removes, kind, segment));
            }
        }
    }

    /// <summary>A marker of <paramref name="producerId"/> on <paramref name="partition"/>: closes the producer's open
    /// records there and ties them to their transaction (abort: drops them).</summary>
    private void OnMarker(PartitionQueue queue, int partition, long producerId, in Record record)
    {
        var marker = ControlRecords.ReadMarker(record);
        queue.Open.Remove(producerId, out var segment);
        if (marker.Type == ControlRecordType.Abort)
        {
            segment?.Abort();
            return;
        }

        Transaction transaction;
        if (ControlRecords.TryReadParticipants(record, out var id, out var participants))
        {
            if (!_incomplete.TryGetValue((producerId, id), out transaction!))
            {
                if (_completed.TryGetValue(producerId, out var done) && done.Contains(id))
                {
                    return; // a marker written twice: its transaction applied already, with nothing of it here
                }

                transaction = new Transaction(participants.Where(_queues.ContainsKey));
                _incomplete[(producerId, id)] = transaction;
            }

            transaction.MarkerRead(partition);
            transaction.CommittedBeforeStart |= record.Offset < queue.RestoreTarget;
            if (transaction.Complete)
            {
                Completed(producerId, id);
            }
        }
        else
        {
            transaction = new Transaction([]);
        }

        segment?.Commit(transaction);
    }

    private void Completed(long producerId, long id)
    {
        _incomplete.Remove((producerId, id));
        var done = _completed.TryGetValue(producerId, out var ids) ? ids : _completed[producerId] = new Queue<long>();
        done.Enqueue(id);
        if (done.Count > CompletedIdsKept)
        {
            done.Dequeue();
        }
    }

    /// <summary>Stops waiting, for transactions committed before the table started, on participants whose head was
    /// removed before the table started and that the table has restored (see the remarks).</summary>
    private void ReleaseTrimmedParticipants()
    {
        foreach (var ((producerId, id), transaction) in _incomplete.Where(t => t.Value.CommittedBeforeStart).ToList())
        {
            foreach (var partition in transaction.Waiting.Where(p => _queues[p] is { Trimmed: true, Restored: true }).ToList())
            {
                transaction.MarkerRead(partition);
            }

            if (transaction.Complete)
            {
                Completed(producerId, id);
            }
        }
    }

    /// <summary>Applies every queued record that may apply (see the remarks) in one swap, then raises
    /// <see cref="Changed"/> once per partition that changed.</summary>
    private void Drain()
    {
        if (_incomplete.Count > 0)
        {
            ReleaseTrimmedParticipants();
        }

        // Each partition's prefix of records whose fate is known, as the sequence number it ends before.
        var limits = new Dictionary<int, long>(_queues.Count);
        var inPrefix = new HashSet<Transaction>();
        foreach (var (partition, queue) in _queues)
        {
            var limit = queue.HeadSeq;
            foreach (var item in queue.Items)
            {
                if (item.Segment is { } segment)
                {
                    if (!segment.Settled)
                    {
                        break;
                    }

                    if (segment.Transaction is { } transaction)
                    {
                        inPrefix.Add(transaction);
                    }
                }

                limit++;
            }

            limits[partition] = limit;
        }

        // No transaction in part: one whose records run past some partition's prefix is cut out of every prefix.
        for (var changed = inPrefix.Count > 0; changed;)
        {
            changed = false;
            foreach (var transaction in inPrefix)
            {
                if (transaction.Segments.TrueForAll(s => s.IsEmpty || s.LastSeq < limits[s.Partition]))
                {
                    continue;
                }

                foreach (var segment in transaction.Segments.Where(s => !s.IsEmpty && limits[s.Partition] > s.FirstSeq))
                {
                    limits[segment.Partition] = segment.FirstSeq;
                    changed = true;
                }
            }
        }

        HashTrie<TKey, TValue>.Editor? next = null;
        List<(TopicPartition Partition, List<TableChange<TKey, TValue>> Changes)>? changes = null;
        foreach (var (partition, queue) in _queues)
        {
            var count = limits[partition] - queue.HeadSeq;
            if (count <= 0)
            {
                continue;
            }

            next ??= _snapshot.Edit();
            var applied = Changed is null ? null : new List<TableChange<TKey, TValue>>((int)count);
            for (var i = 0L; i < count; i++)
            {
                var item = queue.Items.Dequeue();
                queue.HeadSeq++;
                if (item.Segment is { Aborted: true })
                {
                    continue;
                }

                if (item.Removes)
                {
                    next.Remove(item.Key);
                }
                else
                {
                    next.Set(item.Key, item.Value!);
                }

                applied?.Add(new TableChange<TKey, TValue>(item.Key, item.Removes ? default : item.Value, item.Removes, item.Kind, item.Offset));
            }

            if (applied is { Count: > 0 })
            {
                (changes ??= []).Add((new TopicPartition(Topic, partition), applied));
            }
        }

        if (next is null)
        {
            return;
        }

        var snapshot = next.Publish();
        Volatile.Write(ref _snapshot, snapshot);
        if (changes is not null && Changed is { } handler)
        {
            foreach (var (partition, applied) in changes)
            {
                try
                {
                    handler(this, new TableChangedEventArgs<TKey, TValue>(partition, applied, snapshot));
                }
#pragma warning disable CA1031 // a handler's exception must not stop the table
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    TableLog.HandlerFailed(_logger, Topic, ex);
                }
            }
        }
    }

    /// <summary>A record read and decoded, waiting in its partition's queue.</summary>
    private readonly record struct Pending(long Offset, TKey Key, TValue? Value, bool Removes, RowKind Kind, Segment? Segment);

    /// <summary>A partition's records not applied yet, numbered in reading order (<see cref="HeadSeq"/> is the first's).</summary>
    private sealed class PartitionQueue(long restoreTarget, bool trimmed)
    {
        /// <summary>The partition's high watermark when the table started.</summary>
        public long RestoreTarget { get; } = restoreTarget;

        /// <summary>Whether its log start was above 0 when the table started.</summary>
        public bool Trimmed { get; } = trimmed;

        /// <summary>Whether the table has read it up to <see cref="RestoreTarget"/>.</summary>
        public bool Restored { get; set; }

        public Queue<Pending> Items { get; } = new();

        public long HeadSeq { get; set; }

        public long NextSeq => HeadSeq + Items.Count;

        /// <summary>Per producer, its transactional records read here since its last marker here.</summary>
        public Dictionary<long, Segment> Open { get; } = [];
    }

    /// <summary>One transaction's records on one partition (their queue sequence numbers run from
    /// <see cref="FirstSeq"/> to <see cref="LastSeq"/>, other records between them).</summary>
    private sealed class Segment(int partition)
    {
        public int Partition { get; } = partition;

        public long FirstSeq { get; private set; } = -1;

        public long LastSeq { get; private set; } = -1;

        public bool IsEmpty => FirstSeq < 0;

        /// <summary>The committed transaction, once its marker here was read.</summary>
        public Transaction? Transaction { get; private set; }

        public bool Aborted { get; private set; }

        /// <summary>Whether the records may apply (committed on every participant) or be dropped (aborted).</summary>
        public bool Settled => Aborted || Transaction is { Complete: true };

        public void Add(long seq)
        {
            FirstSeq = FirstSeq < 0 ? seq : FirstSeq;
            LastSeq = seq;
        }

        public void Abort() => Aborted = true;

        public void Commit(Transaction transaction)
        {
            Transaction = transaction;
            transaction.Segments.Add(this);
        }
    }

    /// <summary>A committed transaction: the participants whose marker is still to be read, and its records' segments.</summary>
    private sealed class Transaction(IEnumerable<int> participants)
    {
        private readonly HashSet<int> _waiting = [.. participants];

        public List<Segment> Segments { get; } = [];

        public IReadOnlyCollection<int> Waiting => _waiting;

        public bool Complete => _waiting.Count == 0;

        /// <summary>Whether one of its markers was read below its partition's restore target.</summary>
        public bool CommittedBeforeStart { get; set; }

        public void MarkerRead(int partition) => _waiting.Remove(partition);
    }
}
