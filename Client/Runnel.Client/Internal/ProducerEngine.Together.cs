namespace Runnel.Client.Internal;

/// <remarks>
/// Records appended together (a changelog update's before and after images): they land in one batch of one partition
/// or fail together, never split across batches, so a partition stores them whole or not at all (a batch is appended
/// whole) and no consumer reads one without the other. Kept apart from the single-record path
/// (<see cref="TryAppendLocked"/>): a group waits in the same FIFO as one entry, its first record standing for it.
/// </remarks>
internal sealed partial class ProducerEngine
{
    /// <summary>
    /// Hands over records that must share one batch (all with a key; at least two). True: appended to their partition's
    /// batch — the open one when all fit in it under <see cref="ProducerOptions.BatchSize"/>, else a new one of their
    /// own, however large — or failed at once through their handlers (<see cref="RunnelErrorCode.ChangeSpansPartitions"/>
    /// when they fall in different partitions). False: the group waits for buffer room or metadata, and the first
    /// record's <see cref="ProducerRecord.Accepted"/> completes (or fails) for all of them.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The producer is closing.</exception>
    /// <exception cref="RunnelException">The producer failed for good (the error that stopped it).</exception>
    public bool AcceptTogether(ProducerRecord[] records)
    {
        if (records.Length < 2)
        {
            throw new ArgumentException("A group holds at least two records.", nameof(records));
        }

        var head = records[0];
        head.Group = records;
        var effects = new Effects(this);
        bool appended;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, typeof(Producer<,>));
            if (_fatal is { } fatal)
            {
                throw new RunnelException(fatal.Code, $"The producer failed for good: {fatal.Message}", fatal);
            }

            RequireTransactionForRecordLocked();
            foreach (var record in records)
            {
                record.Epoch = _epoch;
                _epochCounts[_epoch] = _epochCounts.GetValueOrDefault(_epoch) + 1;
            }

            appended = _waiting.Count == 0 && TryAppendGroupLocked(head, effects);
            if (!appended)
            {
                for (var i = 1; i < records.Length; i++)
                {
                    records[i].OwnBytes();
                }

                EnqueueWaitingLocked(head, effects);
            }
        }

        effects.Run(this);
        return appended;
    }

    /// <summary>Appends a group (<paramref name="head"/>'s <see cref="ProducerRecord.Group"/>) to one batch when the topic
    /// is known and the buffer has room for all of it.</summary>
    private bool TryAppendGroupLocked(ProducerRecord head, Effects effects)
    {
        var group = head.Group!;
        var topic = GetTopicLocked(head.Topic, effects);
        if (!topic.IsLoaded)
        {
            return false;
        }

        long size = 0;
        foreach (var record in group)
        {
            size += record.Size;
        }

        if (_bufferUsed > 0 && _bufferUsed + size > Options.BufferMemory)
        {
            return false;
        }

        var partition = PartitionOfLocked(topic, head);
        for (var i = 1; i < group.Length; i++)
        {
            var other = PartitionOfLocked(topic, group[i]);
            if (other == partition)
            {
                continue;
            }

            if (IsTransactional)
            {
                // Inside a transaction (records are accepted only there) the records are atomic with it: each goes to
                // its own partition, and the transaction's commit makes them visible together.
                head.Group = null;
                foreach (var record in group)
                {
                    AppendLocked(record, topic, PartitionOfLocked(topic, record), effects);
                }

                return true;
            }

            FailGroupLocked(group, new TopicPartition(head.Topic, partition), new RunnelException(RunnelErrorCode.ChangeSpansPartitions,
                $"The update's before-image key is in partition {partition} of '{head.Topic}' and its after-image key in partition {other}: " +
                "writing both atomically across partitions needs a transaction: produce the change with a transactional producer " +
                "(ProducerOptions.TransactionalId) between BeginTransaction and CommitTransactionAsync. Nothing was written."), effects);
            return true;
        }

        if ((uint)partition >= (uint)topic.PartitionCount)
        {
            FailGroupLocked(group, new TopicPartition(head.Topic, partition), new RunnelException(RunnelErrorCode.UnknownPartition,
                $"Topic '{head.Topic}' has {topic.PartitionCount} partitions; partition {partition} does not exist."), effects);
            return true;
        }

        var queue = topic.Partitions[partition];
        var batch = queue.Unsent.Last?.Value;
        try
        {
            if (batch is null || batch.IsSealed || !batch.TryAppendAll(group, Options.BatchSize))
            {
                batch = OpenBatchLocked(queue);
                if (!batch.TryAppendAll(group, Options.BatchSize))
                {
                    throw new InvalidOperationException("An empty batch refused a group of records.");
                }
            }
        }
        catch (RunnelException ex)
        {
            if (batch is { Records.Count: 0 })
            {
                queue.Unsent.RemoveLast();
                batch.Discard();
            }

            FailGroupLocked(group, queue.Partition, ex, effects);
            return true;
        }

        foreach (var record in group)
        {
            record.Partition = partition;
            record.DropBytes();
        }

        _bufferUsed += size;
        DrainLocked(queue, effects);
        return true;
    }

    /// <summary>The partition a record goes to: its explicit one, else the partitioner's choice (sticky for a null key).</summary>
    private int PartitionOfLocked(TopicState topic, ProducerRecord record)
    {
        var partition = record.ExplicitPartition;
        if (partition < 0)
        {
            partition = Options.Partitioner.Partition(record.Topic, record.Key is { } key ? key.Span : default, record.Key is null, topic.PartitionCount);
            if (partition == Murmur2Partitioner.Sticky)
            {
                partition = StickyPartitionLocked(topic);
            }
        }

        return partition;
    }

    /// <summary>Fails every record of a group that was accepted but not appended.</summary>
    private void FailGroupLocked(ProducerRecord[] group, TopicPartition partition, RunnelException error, Effects effects)
    {
        foreach (var record in group)
        {
            ForgetLocked(record.Epoch);
            effects.Complete(record.Handler, partition, -1, record.Timestamp, error);
        }

        NoteTransactionFailureLocked(error, group.Length);
    }
}
