using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Client.Internal;
using Runnel.Log.Batches;

namespace Runnel.Client;

/// <summary>
/// Produces records to topics: batches them per partition, compresses, sends many requests at once, retries safely,
/// and reports each record's outcome.
/// </summary>
/// <remarks>
/// <para><b>Pipelining.</b> <see cref="ProduceAsync(string, Message{TKey, TValue}, CancellationToken)"/> returns as
/// soon as the record is buffered; its task completes when the record is durable. Start many and await them
/// together (or use <see cref="Produce(string, Message{TKey, TValue}, Action{DeliveryReport{TKey, TValue}}?)"/> with
/// a handler): awaiting each one before producing the next sends one record per request.</para>
/// <para><b>Order.</b> Records of one partition are stored in the order they were produced, retries included (with
/// idempotence on, the default).</para>
/// <para><b>Memory.</b> Buffered records are bounded by <see cref="ProducerOptions.BufferMemory"/>. When it is full,
/// <c>ProduceAsync</c>'s task and <see cref="EnqueueAsync"/> wait (asynchronously) for room, and
/// <c>Produce</c> blocks its thread, each for up to <see cref="ProducerOptions.BufferTimeout"/>, then fail with
/// <see cref="RunnelErrorCode.BufferExhausted"/>.</para>
/// <para><b>Threads.</b> Thread-safe: any number of threads may produce at once. Serializers run on the producing
/// thread; delivery handlers run on the thread that completed the request, one record at a time per batch, and must
/// be quick. Key and value are serialized when the record is handed over, into a buffer of the producing thread, and
/// copied from there straight into the partition's batch (into arrays of the record's own only when it must wait for
/// room); the <see cref="Message{TKey, TValue}"/> is kept only to be given back in the report.</para>
/// </remarks>
public sealed partial class Producer<TKey, TValue> : IProducer<TKey, TValue>
{
    private readonly ProducerEngine _engine;
    private readonly ISerializer<TKey> _keySerializer;
    private readonly ISerializer<TValue> _valueSerializer;
    private readonly TimeProvider _time;

    /// <summary>A producer over any grain factory (a connection's, or a silo's own). Internal: the runtime underneath is
    /// not part of the public API; use <see cref="RunnelConnection.CreateProducer{TKey, TValue}"/>.</summary>
    /// <param name="options">Defaults to <see cref="ProducerOptions.Default"/>.</param>
    /// <param name="keySerializer">Defaults to the built-in serializer for byte[] or string.</param>
    /// <param name="valueSerializer">Defaults to the built-in serializer for byte[] or string.</param>
    /// <exception cref="ArgumentException">An option is not valid, or a serializer is missing for a type with no built-in one.</exception>
    internal Producer(IGrainFactory grains, ProducerOptions? options = null, ISerializer<TKey>? keySerializer = null, ISerializer<TValue>? valueSerializer = null,
        TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        options ??= ProducerOptions.Default;
        options.Validate();
        _keySerializer = keySerializer ?? Serializers.Default<TKey>()
            ?? throw new ArgumentException($"No built-in serializer for key type {typeof(TKey).Name}: pass keySerializer.", nameof(keySerializer));
        _valueSerializer = valueSerializer ?? Serializers.Default<TValue>()
            ?? throw new ArgumentException($"No built-in serializer for value type {typeof(TValue).Name}: pass valueSerializer.", nameof(valueSerializer));
        _time = timeProvider ?? TimeProvider.System;
        _engine = new ProducerEngine(grains, options, _time, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Producer<TKey, TValue>>());
    }

    /// <inheritdoc />
    public ProducerOptions Options => _engine.Options;

    /// <inheritdoc />
    public long BufferedBytes => _engine.BufferedBytes;

    /// <inheritdoc />
    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default) =>
        ProduceCoreAsync(topic, -1, message, cancellationToken);

    /// <inheritdoc />
    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition partition, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition.Partition);
        return ProduceCoreAsync(partition.Topic, partition.Partition, message, cancellationToken);
    }

    /// <inheritdoc />
    public void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery = null) =>
        Produce(topic, -1, message, onDelivery);

    /// <inheritdoc />
    public void Produce(TopicPartition partition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition.Partition);
        Produce(partition.Topic, partition.Partition, message, onDelivery);
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery, int partition = -1, CancellationToken cancellationToken = default)
    {
        return Accept(topic, partition, message, new CallbackHandler(message, onDelivery), out var record) ? default : WaitAcceptedAsync(record, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceChangeAsync(string topic, TKey key, TValue? before, TValue? after, CancellationToken cancellationToken = default)
    {
        if (key is null)
        {
            throw new ArgumentException("A changelog record needs a key: the row it changes.", nameof(key));
        }

        return (before, after) switch
        {
            (null, null) => throw new ArgumentException("A change needs a before-image (update, delete) or an after-image (insert, update); both are null.", nameof(after)),
            (null, _) => ProduceOneChangeAsync(topic, key, after, RowKind.Insert, cancellationToken),
            (_, null) => ProduceOneChangeAsync(topic, key, default, RowKind.Delete, cancellationToken),
            _ => ProduceUpdateAsync(topic, key, before, key, after, cancellationToken),
        };
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceChangeAsync(string topic, TKey beforeKey, TValue before, TKey afterKey, TValue after, CancellationToken cancellationToken = default)
    {
        if (beforeKey is null || afterKey is null)
        {
            throw new ArgumentException($"An update needs both keys; {(beforeKey is null ? nameof(beforeKey) : nameof(afterKey))} is null.");
        }

        if (before is null || after is null)
        {
            throw new ArgumentException($"An update needs both images; {(before is null ? nameof(before) : nameof(after))} is null.");
        }

        return ProduceUpdateAsync(topic, beforeKey, before, afterKey, after, cancellationToken);
    }

    private async Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceOneChangeAsync(string topic, TKey key, TValue? value, RowKind kind, CancellationToken cancellationToken)
    {
        var message = new Message<TKey, TValue> { Key = key, Value = value, Headers = new Headers().Add(RowKindHeader.Key, RowKindHeader.Encode(kind)) };
        return [await ProduceCoreAsync(topic, -1, message, cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>The before-image (-U) and after-image (+U) of an update, handed to the engine as one group: one batch, or
    /// a failure of both.</summary>
    private Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceUpdateAsync(string topic, TKey beforeKey, TValue before, TKey afterKey, TValue after, CancellationToken cancellationToken)
    {
        // One timestamp for both: the pair is one change.
        var timestamp = _time.GetUtcNow();
        var beforeMessage = new Message<TKey, TValue>
        {
            Key = beforeKey, Value = before, Timestamp = timestamp, Headers = new Headers().Add(RowKindHeader.Key, RowKindHeader.Encode(RowKind.UpdateBefore)),
        };
        var afterMessage = new Message<TKey, TValue>
        {
            Key = afterKey, Value = after, Timestamp = timestamp, Headers = new Headers().Add(RowKindHeader.Key, RowKindHeader.Encode(RowKind.UpdateAfter)),
        };
        var beforeHandler = new TaskHandler(beforeMessage);
        var afterHandler = new TaskHandler(afterMessage);
        var beforeBuffer = RentBuffer();
        var afterBuffer = RentBuffer();
        ProducerRecord head;
        bool accepted;
        try
        {
            head = CreateRecord(topic, -1, beforeMessage, beforeHandler, beforeBuffer);
            var tail = CreateRecord(topic, -1, afterMessage, afterHandler, afterBuffer);
            long bound = RecordBatch.HeaderSize + head.MaxEncodedSize + tail.MaxEncodedSize;
            if (bound > Options.MaxRequestSize)
            {
                throw new RunnelException(RunnelErrorCode.RecordBatchTooLarge,
                    $"An update's two records (up to {bound} bytes together) do not fit one batch of ProducerOptions.MaxRequestSize ({Options.MaxRequestSize}), and the pair is never split.");
            }

            accepted = _engine.AcceptTogether([head, tail]);
        }
        catch (RunnelException ex) when (ex is not ProduceException<TKey, TValue>)
        {
            throw Failed(ex, new TopicPartition(topic, -1), timestamp, beforeMessage);
        }
        finally
        {
            ReturnBuffer(afterBuffer);
            ReturnBuffer(beforeBuffer);
        }

        return BothAsync(head, accepted, beforeHandler, afterHandler, cancellationToken);
    }

    private async Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> BothAsync(ProducerRecord head, bool accepted, TaskHandler beforeHandler, TaskHandler afterHandler, CancellationToken cancellationToken)
    {
        if (!accepted)
        {
            try
            {
                await WaitAcceptedAsync(head, cancellationToken).ConfigureAwait(false);
            }
            catch (RunnelException ex) when (ex is not ProduceException<TKey, TValue>)
            {
                throw Failed(ex, new TopicPartition(head.Topic, head.Partition), DateTimeOffset.FromUnixTimeMilliseconds(head.Timestamp), beforeHandler.Message);
            }
        }

        var before = await beforeHandler.Task.ConfigureAwait(false);
        var after = await afterHandler.Task.ConfigureAwait(false);
        return [before, after];
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) => _engine.FlushAsync(cancellationToken);

    /// <summary>Flushes for up to <see cref="ProducerOptions.CloseTimeout"/>, then fails whatever is left with
    /// <see cref="RunnelErrorCode.DeliveryTimedOut"/> (possibly stored) and stops. Producing afterwards throws
    /// <see cref="ObjectDisposedException"/>. A second call returns at once.</summary>
    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    /// <summary>As <see cref="DisposeAsync"/>, blocking the calling thread for the same bounded time (up to
    /// <see cref="ProducerOptions.CloseTimeout"/>, plus the delivery handlers of the records it fails).</summary>
    public void Dispose() => _engine.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Produce(string topic, int partition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery)
    {
        if (!Accept(topic, partition, message, new CallbackHandler(message, onDelivery), out var record))
        {
            record.Accepted!.Task.GetAwaiter().GetResult();
        }
    }

    private Task<DeliveryResult<TKey, TValue>> ProduceCoreAsync(string topic, int partition, Message<TKey, TValue> message, CancellationToken cancellationToken)
    {
        var handler = new TaskHandler(message);
        ProducerRecord record;
        bool accepted;
        try
        {
            accepted = Accept(topic, partition, message, handler, out record);
        }
        catch (RunnelException ex) when (ex is not ProduceException<TKey, TValue>)
        {
            // Refused before it was buffered (too large, the producer stopped): thrown here, synchronously, as before.
            throw Failed(ex, new TopicPartition(topic, partition), message.Timestamp ?? _time.GetUtcNow(), message);
        }

        return accepted ? handler.Task : WaitThenDeliverAsync(record, handler, cancellationToken);
    }

    private async Task<DeliveryResult<TKey, TValue>> WaitThenDeliverAsync(ProducerRecord record, TaskHandler handler, CancellationToken cancellationToken)
    {
        try
        {
            await WaitAcceptedAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException ex) when (ex is not ProduceException<TKey, TValue>)
        {
            throw Failed(ex, new TopicPartition(record.Topic, record.Partition), DateTimeOffset.FromUnixTimeMilliseconds(record.Timestamp), handler.Message);
        }

        return await handler.Task.ConfigureAwait(false);
    }

    /// <summary>The exception a failed <c>ProduceAsync</c> throws: the error, with the record and where it was meant to go
    /// (offset -1), possibly stored when the error's outcome is unknown.</summary>
    private static ProduceException<TKey, TValue> Failed(RunnelException error, TopicPartition partition, DateTimeOffset timestamp, Message<TKey, TValue> message) =>
        new(error, new DeliveryResult<TKey, TValue>(partition, -1, timestamp, message,
            error.IsOutcomeUnknown ? PersistenceStatus.PossiblyPersisted : PersistenceStatus.NotPersisted));

    private async ValueTask WaitAcceptedAsync(ProducerRecord record, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(() => _engine.CancelWaiting(record, cancellationToken))
            : default;
        await record.Accepted!.Task.ConfigureAwait(false);
    }

    /// <summary>Serializes the message into the thread's buffer and hands the record to the engine; false when it has to
    /// wait for room (then <paramref name="record"/> holds its own copy of the bytes, and its Accepted task completes
    /// when it is taken).</summary>
    private bool Accept(string topic, int partition, Message<TKey, TValue> message, IDeliveryHandler handler, out ProducerRecord record)
    {
        var buffer = RentBuffer();
        try
        {
            record = CreateRecord(topic, partition, message, handler, buffer);
            return _engine.Accept(record);
        }
        finally
        {
            ReturnBuffer(buffer);
        }
    }

    /// <summary>Serializes the message into <paramref name="buffer"/>: the record borrows its key and value bytes from
    /// it, so the buffer must stay untouched until <see cref="ProducerEngine.Accept"/> returns (the engine copies them
    /// into the batch, or into the record's own arrays when it waits).</summary>
    private ProducerRecord CreateRecord(string topic, int partition, Message<TKey, TValue> message, IDeliveryHandler handler, ArrayBufferWriter<byte> buffer)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(message);
        var keyLength = -1;
        if (message.Key is { } k)
        {
            _keySerializer.Serialize(k, buffer);
            keyLength = buffer.WrittenCount;
        }

        var valueStart = buffer.WrittenCount;
        if (message.Value is { } v)
        {
            _valueSerializer.Serialize(v, buffer);
        }

        var written = buffer.WrittenMemory;
        // Typed nulls: a bare null would convert through byte[] to an empty memory (an empty key, not a null one).
        var key = keyLength >= 0 ? written[..keyLength] : (ReadOnlyMemory<byte>?)null;
        var value = message.Value is not null ? written[valueStart..] : (ReadOnlyMemory<byte>?)null;
        RecordHeader[] headers = [];
        if (message.Headers is { Count: > 0 } source)
        {
            headers = new RecordHeader[source.Count];
            for (var i = 0; i < headers.Length; i++)
            {
                var h = source[i];
                headers[i] = new RecordHeader(h.Key, h.Value is { } bytes ? bytes : (ReadOnlyMemory<byte>?)null);
            }
        }

        var timestamp = (message.Timestamp ?? _time.GetUtcNow()).ToUnixTimeMilliseconds();
        var record = new ProducerRecord(topic, partition, key, value, headers, timestamp, handler);
        if (record.Size - ProducerRecord.Overhead + RecordBatch.HeaderSize > Options.MaxRequestSize)
        {
            throw new RunnelException(RunnelErrorCode.RecordBatchTooLarge,
                $"A record of about {record.Size - ProducerRecord.Overhead} bytes does not fit ProducerOptions.MaxRequestSize ({Options.MaxRequestSize}).");
        }

        return record;
    }

    /// <summary>The calling thread's serialization buffer (taken from it while in use, so a nested produce from a
    /// serializer gets a fresh one), emptied.</summary>
    private static ArrayBufferWriter<byte> RentBuffer()
    {
        var buffer = _threadBuffer ?? new ArrayBufferWriter<byte>(256);
        _threadBuffer = null;
        buffer.ResetWrittenCount();
        return buffer;
    }

    private static void ReturnBuffer(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= 1024 * 1024)
        {
            _threadBuffer = buffer; // a huge buffer is not pinned to the thread
        }
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    private sealed class TaskHandler(Message<TKey, TValue> message) : TaskCompletionSource<DeliveryResult<TKey, TValue>>(TaskCreationOptions.RunContinuationsAsynchronously), IDeliveryHandler
    {
        public Message<TKey, TValue> Message => message;

        public void OnDelivered(TopicPartition partition, long offset, long timestamp, RunnelException? error)
        {
            if (error is null)
            {
                TrySetResult(new DeliveryResult<TKey, TValue>(partition, offset, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), message, PersistenceStatus.Persisted));
            }
            else
            {
                TrySetException(Failed(error, partition, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), message));
            }
        }
    }

    private sealed class CallbackHandler(Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery) : IDeliveryHandler
    {
        public void OnDelivered(TopicPartition partition, long offset, long timestamp, RunnelException? error) =>
            onDelivery?.Invoke(new DeliveryReport<TKey, TValue>(partition, offset, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), message, error));
    }
}
