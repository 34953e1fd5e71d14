namespace Runnel.Client;

/// <summary>
/// Produces records to topics: batches them per partition, compresses, sends many requests at once, retries safely,
/// and reports each record's outcome. <see cref="RunnelConnection.CreateProducer{TKey, TValue}"/> gives the
/// implementation (<see cref="Producer{TKey, TValue}"/>, whose remarks tell its pipelining, ordering, memory and
/// threading rules); the interface is there to mock or wrap it (as Confluent.Kafka's <c>IProducer</c>).
/// </summary>
/// <remarks>Thread-safe. Close it with <see cref="IAsyncDisposable.DisposeAsync"/> (or <see cref="IDisposable.Dispose"/>,
/// which blocks the calling thread for the same bounded work): it flushes for up to
/// <see cref="ProducerOptions.CloseTimeout"/>, then fails whatever is left with <see cref="RunnelErrorCode.DeliveryTimedOut"/>
/// and stops; producing afterwards throws <see cref="ObjectDisposedException"/>.</remarks>
public interface IProducer<TKey, TValue> : IAsyncDisposable, IDisposable
{
    /// <summary>The options this producer was made with (validated).</summary>
    ProducerOptions Options { get; }

    /// <summary>Bytes of records held now (buffered, in flight or being retried); at most about
    /// <see cref="ProducerOptions.BufferMemory"/>.</summary>
    long BufferedBytes { get; }

    /// <summary>
    /// Produces a record to <paramref name="topic"/> (partition chosen by <see cref="ProducerOptions.Partitioner"/>). The
    /// task completes when the record is durable, with its partition and offset, or fails with a
    /// <see cref="RunnelException"/> (<see cref="RunnelErrorCode.BufferExhausted"/>, <see cref="RunnelErrorCode.DeliveryTimedOut"/>,
    /// <see cref="RunnelErrorCode.UnknownTopic"/>, ...).
    /// </summary>
    /// <param name="cancellationToken">Cancels only the wait for buffer room; a record once buffered is delivered.</param>
    /// <exception cref="ProduceException{TKey, TValue}">The record was not delivered: <see cref="RunnelException.Code"/>
    /// says why, <see cref="ProduceException{TKey, TValue}.DeliveryResult"/> which record, where it was meant to go
    /// (offset -1) and whether it may be stored. Thrown synchronously for <see cref="RunnelErrorCode.RecordBatchTooLarge"/>
    /// (a record larger than <see cref="ProducerOptions.MaxRequestSize"/>) or the error that stopped the producer.</exception>
    /// <exception cref="ObjectDisposedException">The producer is closing.</exception>
    Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default);

    /// <summary>Produces a record to an explicit partition; see <see cref="ProduceAsync(string, Message{TKey, TValue}, CancellationToken)"/>.</summary>
    Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition partition, Message<TKey, TValue> message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Produces a record without a task: <paramref name="onDelivery"/> (if any) is called once with the outcome. When the
    /// buffer is full this blocks the calling thread for up to <see cref="ProducerOptions.BufferTimeout"/> (as Kafka's
    /// <c>send</c>); in async code prefer <see cref="EnqueueAsync"/>.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.BufferExhausted"/> when no room came in time, and
    /// the synchronous errors of <see cref="ProduceAsync(string, Message{TKey, TValue}, CancellationToken)"/>.</exception>
    void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery = null);

    /// <summary>Produces a record to an explicit partition; see <see cref="Produce(string, Message{TKey, TValue}, Action{DeliveryReport{TKey, TValue}}?)"/>.</summary>
    void Produce(TopicPartition partition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery = null);

    /// <summary>
    /// Produces a record, waiting asynchronously only for buffer room: completes once the record is buffered; the
    /// outcome goes to <paramref name="onDelivery"/>. The pipelined, backpressured way to produce from async code.
    /// </summary>
    /// <param name="partition">An explicit partition, or -1 for the partitioner's choice.</param>
    /// <param name="cancellationToken">Cancels the wait for room (the record is then not produced).</param>
    ValueTask EnqueueAsync(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? onDelivery, int partition = -1, CancellationToken cancellationToken = default);

    /// <summary>Sends every buffered record now (ignoring linger) and completes when every record produced before the
    /// call has completed (successfully or not). Records produced meanwhile may be waited for too.</summary>
    /// <summary>Sends every buffered record now (ignoring linger) and completes when every record produced before the
    /// call has completed (successfully or not). Records produced meanwhile may be waited for too.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Produces a changelog change of <paramref name="key"/>'s row, each record marked with its <see cref="RowKind"/>
    /// (header <see cref="RowKindHeader.Key"/>): <paramref name="before"/> null and <paramref name="after"/> set is an
    /// insert (one <c>+I</c> record of <paramref name="after"/>); both set an update, written as two records — the
    /// before-image (<c>-U</c>) then the after-image (<c>+U</c>) — that land in <b>one batch</b> of one partition, so they
    /// are stored together or not at all and no consumer sees one without the other; <paramref name="after"/> null a
    /// delete (one <c>-D</c> record with a null value, a tombstone). For a value type that cannot be null, every call is
    /// an update. The task completes when every record is durable, with their results in that order.
    /// </summary>
    /// <exception cref="ArgumentException">Both images are null, or the key is null.</exception>
    /// <exception cref="ProduceException{TKey, TValue}">A record was not delivered (as <see cref="ProduceAsync(string, Message{TKey, TValue}, CancellationToken)"/>);
    /// for an update both records fail together. <see cref="RunnelErrorCode.RecordBatchTooLarge"/> (thrown synchronously)
    /// when the pair exceeds <see cref="ProducerOptions.MaxRequestSize"/>.</exception>
    Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceChangeAsync(string topic, TKey key, TValue? before, TValue? after, CancellationToken cancellationToken = default);

    /// <summary>
    /// Produces an update whose key changes: the before-image under <paramref name="beforeKey"/> (<c>-U</c>) and the
    /// after-image under <paramref name="afterKey"/> (<c>+U</c>), in one batch, as
    /// <see cref="ProduceChangeAsync(string, TKey, TValue, TValue, CancellationToken)"/>. Both keys must fall in the same
    /// partition: across partitions the pair would need a transaction (issue #18, not supported yet), and the task fails
    /// with <see cref="RunnelErrorCode.ChangeSpansPartitions"/> naming both partitions, writing nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A key or an image is null.</exception>
    Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceChangeAsync(string topic, TKey beforeKey, TValue before, TKey afterKey, TValue after, CancellationToken cancellationToken = default);
}
