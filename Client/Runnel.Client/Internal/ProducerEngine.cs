using Microsoft.Extensions.Logging;
using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Client.Internal;

/// <summary>
/// The producer's machinery, independent of key and value types: accepts serialized records, batches them per
/// partition, sends batches (at most <see cref="ProducerOptions.MaxInFlightPerPartition"/> per partition at a time),
/// retries and completes them.
/// </summary>
/// <remarks>
/// <para>One lock (<c>_gate</c>) guards every piece of state. Work that must not run under it — grain calls, user
/// callbacks — is collected in an <see cref="Effects"/> and run after the lock is released.</para>
/// <para>Order: records wait in one FIFO (<c>_waiting</c>) whenever they cannot be appended at once (no buffer room,
/// topic metadata not loaded yet), and a new record is appended directly only when that FIFO is empty, so records
/// reach their partitions in the order they were produced.</para>
/// </remarks>
internal sealed partial class ProducerEngine : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly LinkedList<ProducerRecord> _waiting = new();
    private readonly Dictionary<long, int> _epochCounts = [];
    private readonly List<(long Epoch, TaskCompletionSource Done)> _flushWaiters = [];

    /// <summary>Delivery reports and flush completions, in the order they were decided under the lock, run by one loop:
    /// so a flush completes only after every delivery report decided before it has been handed to its handler.</summary>
    /// <remarks>Items are values (no closure per record): a report, or a flush waiter to complete.</remarks>
    private readonly System.Threading.Channels.Channel<Delivery> _deliveries =
        System.Threading.Channels.Channel.CreateUnbounded<Delivery>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });

    private readonly Task? _deliveryLoop;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly RecordBatchBuilderOptions _builderOptions;
    private readonly int _batchSizeUnderLoad;

    /// <summary>Partitions with a batch ready that found every request slot taken, in the order they asked.</summary>
    private readonly Queue<PartitionQueue> _waitingForSlot = new();

    /// <summary>Requests in flight over all partitions (the sum of their <see cref="PartitionQueue.InFlight"/>).</summary>
    private int _requestsInFlight;
    private long _bufferUsed;
    private long _epoch;
    private RunnelException? _fatal;
    private bool _closing;
    private readonly List<PartitionQueue> _identityWaiters = [];
    private ProducerIdentity? _sharedIdentity;
    private bool _sharedIdentityRequested;

    public ProducerEngine(IGrainFactory grains, ProducerOptions options, TimeProvider time, ILogger logger)
    {
        _grains = grains;
        Options = options;
        _time = time;
        _logger = logger;
        _builderOptions = new RecordBatchBuilderOptions
        {
            Compression = (CompressionCodec)(int)options.Compression,
            MaxBatchBytes = options.MaxRequestSize,

            // Room for a whole batch from the start (pooled): growing a 16 KiB buffer to a 256 KiB batch copied its
            // records ~once more (a tenth of the producing client's CPU in a profile).
            InitialBufferBytes = options.BatchSize,
            IsTransactional = options.TransactionalId is not null,
        };
        _batchSizeUnderLoad = options.EffectiveBatchSizeUnderLoad;
        _deliveryLoop = Task.Run(DeliverAsync);
    }

    private async Task DeliverAsync()
    {
        var reader = _deliveries.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var work))
            {
                if (work.FlushDone is { } done)
                {
                    done.TrySetResult();
                    continue;
                }

                try
                {
                    work.Handler!.OnDelivered(work.Partition, work.Offset, work.Timestamp, work.Error);
                }
#pragma warning disable CA1031 // a delivery handler's exception must not stop the others
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogHandlerFailed(_logger, ex);
                }
            }
        }
    }

    /// <summary>One item of the delivery loop: a record's report for <see cref="Handler"/>, or a flush to complete.</summary>
    private readonly record struct Delivery(IDeliveryHandler? Handler, TopicPartition Partition, long Offset, long Timestamp, RunnelException? Error, TaskCompletionSource? FlushDone);

    public ProducerOptions Options { get; }

    /// <summary>Bytes of records held now (queued, in flight, being retried).</summary>
    public long BufferedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bufferUsed;
            }
        }
    }

    /// <summary>
    /// Hands a record over. True: appended to its partition's batch (or failed at once through its handler). False:
    /// it waits for buffer room or metadata; <see cref="ProducerRecord.Accepted"/> completes when it is appended, and
    /// fails with <see cref="RunnelErrorCode.BufferExhausted"/> after <see cref="ProducerOptions.BufferTimeout"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The producer is closing.</exception>
    /// <exception cref="RunnelException">The producer failed for good (the error that stopped it).</exception>
    public bool Accept(ProducerRecord record)
    {
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
            record.Epoch = _epoch;
            _epochCounts[_epoch] = _epochCounts.GetValueOrDefault(_epoch) + 1;
            appended = _waiting.Count == 0 && TryAppendLocked(record, effects);
            if (!appended)
            {
                EnqueueWaitingLocked(record, effects);
            }
        }

        effects.Run(this);
        return appended;
    }

    /// <summary>Gives up waiting for room for <paramref name="record"/> (its caller was cancelled).</summary>
    public void CancelWaiting(ProducerRecord record, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (record.WaitingNode is null)
            {
                return;
            }

            RemoveWaitingLocked(record);
            ForgetLocked(record);
            record.Accepted!.TrySetCanceled(cancellationToken);
        }
    }

    /// <summary>
    /// Completes when every record accepted before the call has completed (records accepted meanwhile may be waited
    /// for too). Meanwhile batches are sent without lingering.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var effects = new Effects(this);
        Task done;
        lock (_gate)
        {
            var epoch = _epoch++;
            if (!HasOutstandingUpToLocked(epoch))
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((epoch, waiter));
            done = waiter.Task;
            foreach (var topic in _topics.Values)
            {
                foreach (var queue in topic.Partitions)
                {
                    DrainLocked(queue, effects);
                }
            }
        }

        effects.Run(this);
        return done.WaitAsync(cancellationToken);
    }

    /// <summary>Flushes for up to <see cref="ProducerOptions.CloseTimeout"/>, then fails what is left and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }
        }

        var flush = FlushAsync(CancellationToken.None);
        lock (_gate)
        {
            _closing = true;
        }

        try
        {
            await flush.WaitAsync(Options.CloseTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogCloseTimedOut(_logger, Options.CloseTimeout);
        }

        var closed = new RunnelException(RunnelErrorCode.DeliveryTimedOut, "The producer was closed before the record was delivered.", isOutcomeUnknown: true);
        var effects = new Effects(this);
        lock (_gate)
        {
            FailAllLocked(closed, effects);
            AbandonInFlightLocked(closed, effects);
            _fatal ??= new RunnelException(RunnelErrorCode.Unknown, "The producer is closed.");
        }

        effects.Run(this);
        _deliveries.Writer.TryComplete();
        if (_deliveryLoop is not null)
        {
            await _deliveryLoop.ConfigureAwait(false);
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>Appends to a partition's open batch when the topic is known and the buffer has room.</summary>
    private bool TryAppendLocked(ProducerRecord record, Effects effects)
    {
        var topic = GetTopicLocked(record.Topic, effects);
        if (!topic.IsLoaded)
        {
            return false;
        }

        if (_bufferUsed > 0 && _bufferUsed + record.Size > Options.BufferMemory)
        {
            return false;
        }

        AppendLocked(record, topic, PartitionOfLocked(topic, record), effects);
        return true;
    }

    /// <summary>Appends a record to <paramref name="partition"/>'s open batch (or a new one), or fails it through its
    /// handler; buffer room was checked by the caller.</summary>
    private void AppendLocked(ProducerRecord record, TopicState topic, int partition, Effects effects)
    {
        if ((uint)partition >= (uint)topic.PartitionCount)
        {
            FailRecordLocked(record, new TopicPartition(record.Topic, partition), new RunnelException(RunnelErrorCode.UnknownPartition,
                $"Topic '{record.Topic}' has {topic.PartitionCount} partitions; partition {partition} does not exist."), effects);
            return;
        }

        var queue = topic.Partitions[partition];
        record.Partition = partition;
        var batch = queue.Unsent.Last?.Value;
        try
        {
            // A partition that cannot send lets its open batch grow (ProducerOptions.BatchSizeUnderLoad).
            if (batch is null || batch.IsSealed
                || !(batch.TryAppend(record, Options.BatchSize) || (_batchSizeUnderLoad > Options.BatchSize && !CanSendLocked(queue) && batch.TryAppend(record, _batchSizeUnderLoad))))
            {
                batch = OpenBatchLocked(queue);
                if (!batch.TryAppend(record, Options.BatchSize))
                {
                    throw new InvalidOperationException("An empty batch refused a record.");
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

            FailRecordLocked(record, queue.Partition, ex, effects);
            return;
        }

        record.DropBytes();
        _bufferUsed += record.Size;
        DrainLocked(queue, effects);
    }

    private ProducerBatch OpenBatchLocked(PartitionQueue queue)
    {
        var batch = new ProducerBatch(queue, _builderOptions, Now);
        queue.Unsent.AddLast(batch);
        if (Options.Linger <= TimeSpan.Zero)
        {
            batch.LingerExpired = true;
        }
        else
        {
            batch.LingerTimer = _time.CreateTimer(_ => OnLingerExpired(batch), null, Options.Linger, Timeout.InfiniteTimeSpan);
        }

        return batch;
    }

    private void OnLingerExpired(ProducerBatch batch)
    {
        var effects = new Effects(this);
        lock (_gate)
        {
            batch.LingerExpired = true;
            batch.LingerTimer?.Dispose();
            batch.LingerTimer = null;
            DrainLocked(batch.Queue, effects);
        }

        effects.Run(this);
    }

    private int StickyPartitionLocked(TopicState topic)
    {
        if (topic.StickyPartition < 0 || topic.StickyPartition >= topic.PartitionCount)
        {
            topic.StickyPartition = Random.Shared.Next(topic.PartitionCount);
        }

        return topic.StickyPartition;
    }

    private TopicState GetTopicLocked(string name, Effects effects)
    {
        if (!_topics.TryGetValue(name, out var topic))
        {
            topic = new TopicState(name);
            _topics.Add(name, topic);
        }

        if (!topic.IsLoading && (!topic.IsLoaded || Now - topic.LoadedAt > Options.MetadataMaxAge.Ticks))
        {
            topic.IsLoading = true;
            effects.Load(topic);
        }

        return topic;
    }

    private void EnqueueWaitingLocked(ProducerRecord record, Effects effects)
    {
        record.OwnBytes();
        record.Accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        record.WaitingNode = _waiting.AddLast(record);
        _ = GetTopicLocked(record.Topic, effects);
        record.WaitTimer = _time.CreateTimer(_ => OnWaitExpired(record), null, Options.BufferTimeout, Timeout.InfiniteTimeSpan);
    }

    private void OnWaitExpired(ProducerRecord record)
    {
        lock (_gate)
        {
            if (record.WaitingNode is null)
            {
                return;
            }

            RemoveWaitingLocked(record);
            ForgetLocked(record);
            var topic = _topics.GetValueOrDefault(record.Topic);
            var message = topic is { IsLoaded: false }
                ? $"Topic '{record.Topic}' could not be described within BufferTimeout ({Options.BufferTimeout})."
                : $"No room in the producer's buffer ({Options.BufferMemory} bytes) within BufferTimeout ({Options.BufferTimeout}).";
            var exhausted = new RunnelException(RunnelErrorCode.BufferExhausted, message, isRetriable: true);
            NoteTransactionFailureLocked(exhausted);
            record.Accepted!.TrySetException(exhausted);
        }
    }

    private void RemoveWaitingLocked(ProducerRecord record)
    {
        _waiting.Remove(record.WaitingNode!);
        record.WaitingNode = null;
        record.WaitTimer?.Dispose();
        record.WaitTimer = null;
    }

    /// <summary>Appends waiting records, oldest first, while they fit.</summary>
    private void PumpLocked(Effects effects)
    {
        while (_waiting.First is { } node)
        {
            var record = node.Value;
            if (_fatal is not null || !(record.Group is null ? TryAppendLocked(record, effects) : TryAppendGroupLocked(record, effects)))
            {
                return;
            }

            RemoveWaitingLocked(record);
            record.Accepted!.TrySetResult();
        }
    }

    private async Task LoadTopicAsync(TopicState topic)
    {
        var deadline = Now + Options.BufferTimeout.Ticks;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var description = await _grains.GetGrain<ITopicGrain>(topic.Name).DescribeAsync(_shutdown.Token).ConfigureAwait(false);
                var effects = new Effects(this);
                lock (_gate)
                {
                    SetPartitionCountLocked(topic, description.PartitionCount);
                    topic.IsLoading = false;
                    topic.LoadedAt = Now;
                    PumpLocked(effects);
                }

                effects.Run(this);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_shutdown.IsCancellationRequested)
            {
                var error = Errors.From(ex);
                if (Errors.IsRetriable(error) && Now < deadline)
                {
                    LogMetadataRetry(_logger, topic.Name, error.Message);
                    await Task.Delay(Errors.Backoff(attempt, Options.RetryBackoff, Options.RetryBackoffMax), _time, _shutdown.Token).ConfigureAwait(false);
                    continue;
                }

                var effects = new Effects(this);
                lock (_gate)
                {
                    topic.IsLoading = false;
                    if (topic.IsLoaded)
                    {
                        return; // a refresh failed: keep using what we know
                    }

                    _topics.Remove(topic.Name);
                    for (var node = _waiting.First; node is not null;)
                    {
                        var next = node.Next;
                        if (node.Value.Topic == topic.Name)
                        {
                            var record = node.Value;
                            RemoveWaitingLocked(record);
                            ForgetLocked(record);
                            NoteTransactionFailureLocked(error);
                            record.Accepted!.TrySetException(error);
                        }

                        node = next;
                    }

                    PumpLocked(effects);
                }

                effects.Run(this);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void SetPartitionCountLocked(TopicState topic, int count)
    {
        if (count <= topic.PartitionCount)
        {
            return;
        }

        var partitions = new PartitionQueue[count];
        topic.Partitions.CopyTo(partitions, 0);
        for (var p = topic.PartitionCount; p < count; p++)
        {
            var tp = new TopicPartition(topic.Name, p);
            partitions[p] = new PartitionQueue(topic, tp, _grains.GetGrain<IPartitionGrain>(tp.GrainKey));
        }

        topic.Partitions = partitions;
    }

    /// <summary>A record that was accepted (counted in its flush epoch) completes: uncount it, wake flushes. The first
    /// record of a group (<see cref="ProducerRecord.Group"/>), given up while it waited, uncounts the whole group.</summary>
    private void ForgetLocked(ProducerRecord record)
    {
        if (record.Group is { } group)
        {
            foreach (var member in group)
            {
                ForgetLocked(member.Epoch);
            }

            return;
        }

        ForgetLocked(record.Epoch);
    }

    /// <summary>As <see cref="ForgetLocked(ProducerRecord)"/>, for a record of flush epoch <paramref name="epoch"/>.</summary>
    private void ForgetLocked(long epoch)
    {
        var left = _epochCounts[epoch] - 1;
        if (left == 0)
        {
            _epochCounts.Remove(epoch);
        }
        else
        {
            _epochCounts[epoch] = left;
        }

        if (left == 0 && _flushWaiters.Count > 0)
        {
            _flushWaiters.RemoveAll(w =>
            {
                if (HasOutstandingUpToLocked(w.Epoch))
                {
                    return false;
                }

                // Queued behind every delivery report decided before it (see _deliveries).
                var done = w.Done;
                _deliveries.Writer.TryWrite(new Delivery(null, default, -1, 0, null, done));

                return true;
            });
        }
    }

    private bool HasOutstandingUpToLocked(long epoch)
    {
        foreach (var e in _epochCounts.Keys)
        {
            if (e <= epoch)
            {
                return true;
            }
        }

        return false;
    }

    private void FailRecordLocked(ProducerRecord record, TopicPartition partition, RunnelException error, Effects effects)
    {
        ForgetLocked(record);
        NoteTransactionFailureLocked(error);
        effects.Complete(record.Handler, partition, -1, record.Timestamp, error);
    }

    private bool IsFlushingLocked => _flushWaiters.Count > 0 || _closing;

    /// <summary>Work to do once the lock is released: grain calls and user callbacks.</summary>
    private sealed class Effects(ProducerEngine engine)
    {
        private List<ProducerBatch>? _sends;
        private List<TopicState>? _loads;
        private List<PartitionQueue>? _identities;
        private bool _sharedIdentity;
        private bool _addPartitions;

        /// <summary>Queues a delivery report on the engine's ordered delivery loop. Called under the engine's lock, so
        /// reports and flush completions keep the order in which they were decided.</summary>
        public void Complete(IDeliveryHandler handler, TopicPartition partition, long offset, long timestamp, RunnelException? error) =>
            engine._deliveries.Writer.TryWrite(new Delivery(handler, partition, offset, timestamp, error, null));

        public void Send(ProducerBatch batch) => (_sends ??= []).Add(batch);

        public void Load(TopicState topic) => (_loads ??= []).Add(topic);

        public void AllocateIdentity(PartitionQueue queue) => (_identities ??= []).Add(queue);

        public void AllocateSharedIdentity() => _sharedIdentity = true;

        public void AddPartitions() => _addPartitions = true;

        public void Run(ProducerEngine engine)
        {
            if (_sends is not null)
            {
                foreach (var batch in _sends)
                {
                    _ = engine.SendAsync(batch);
                }
            }

            if (_loads is not null)
            {
                foreach (var topic in _loads)
                {
                    _ = engine.LoadTopicAsync(topic);
                }
            }

            if (_addPartitions)
            {
                _ = engine.AddPartitionsAsync();
            }

            if (_sharedIdentity)
            {
                _ = engine.AllocateSharedIdentityAsync();
            }

            if (_identities is not null)
            {
                foreach (var queue in _identities)
                {
                    _ = engine.AllocateOwnIdentityAsync(queue);
                }
            }

        }
    }
}
