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
    /// <see cref="ProduceChangeAsync(string, TKey, TValue, TValue, CancellationToken)"/>, when both keys fall in the same
    /// partition. When they do not: a transactional producer inside a transaction writes each record to its own partition,
    /// and the pair is atomic with the transaction (visible to read_committed readers together, at its commit); any other
    /// producer fails the task with <see cref="RunnelErrorCode.ChangeSpansPartitions"/> naming both partitions, writing
    /// nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A key or an image is null.</exception>
    Task<IReadOnlyList<DeliveryResult<TKey, TValue>>> ProduceChangeAsync(string topic, TKey beforeKey, TValue before, TKey afterKey, TValue after, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets the producer id and epoch of <see cref="ProducerOptions.TransactionalId"/> from its transaction coordinator
    /// (Kafka's <c>initTransactions</c>): every older producer that used the id is fenced (its writes and its commit are
    /// refused with <see cref="RunnelErrorCode.ProducerFenced"/>), and a transaction it left open is aborted first. Call it
    /// once, before the first <see cref="BeginTransaction"/>. Retries retriable failures for up to
    /// <see cref="ProducerOptions.BufferTimeout"/>.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidTransactionState"/>: the producer is not
    /// transactional, or this was called already; <see cref="RunnelErrorCode.ProducerFenced"/>, transport errors.</exception>
    Task InitTransactionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a transaction: records produced until <see cref="CommitTransactionAsync"/> or
    /// <see cref="AbortTransactionAsync"/> belong to it. A transactional producer accepts records only inside a
    /// transaction; outside one, producing throws <see cref="RunnelErrorCode.InvalidTransactionState"/> synchronously.
    /// Local (no call): the coordinator learns of the transaction when its first partition or group is added.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidTransactionState"/>: not initialized, or a
    /// transaction is open already; <see cref="RunnelErrorCode.ProducerFenced"/> once fenced.</exception>
    void BeginTransaction();

    /// <summary>
    /// Commits a consumer group's offsets inside the open transaction (Kafka's <c>sendOffsetsToTransaction</c>): they
    /// become the group's committed offsets when the transaction commits, and are dropped when it aborts. Used by a
    /// consume-transform-produce loop so that its input offsets and its output are committed together. Two calls: the
    /// group is added to the transaction, then the offsets are stored in it as pending.
    /// </summary>
    /// <param name="offsets">The next offset to read of each partition (last processed + 1).</param>
    /// <param name="groupMetadata">The consuming consumer's <see cref="IConsumer{TKey, TValue}.GroupMetadata"/>: a stale
    /// member epoch is refused (<see cref="RunnelErrorCode.FencedMember"/>).</param>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidTransactionState"/> outside a transaction or
    /// after a record of it failed; <see cref="RunnelErrorCode.FencedMember"/>; <see cref="RunnelErrorCode.ProducerFenced"/>.
    /// A failure other than fencing makes the transaction abortable.</exception>
    Task SendOffsetsToTransactionAsync(IEnumerable<TopicPartitionOffset> offsets, ConsumerGroupMetadata groupMetadata, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends every buffered record of the transaction, waits for all of them, then commits it (the coordinator makes the
    /// decision durable and writes commit markers to every partition and group in it): its records become visible to
    /// read_committed consumers, its offsets committed. Every partition's sequence then restarts under the epoch the
    /// coordinator bumped. A commit that failed with a retriable error may be called again.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidTransactionState"/>: no transaction is open, it
    /// is being aborted, or a record of it failed (the message names the first failure; only
    /// <see cref="AbortTransactionAsync"/> ends it then); <see cref="RunnelErrorCode.ProducerFenced"/>: a newer instance
    /// initialized the transactional id (this producer is unusable from then on, and nothing of the transaction becomes
    /// visible); <see cref="RunnelErrorCode.TransactionAborted"/>: the coordinator aborted it (e.g. at its timeout).</exception>
    Task CommitTransactionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Aborts the open transaction: records still buffered fail with <see cref="RunnelErrorCode.TransactionAborted"/>,
    /// those in flight are waited for, then the coordinator writes abort markers (read_committed consumers skip the
    /// transaction's records; its offsets are dropped). Ends a transaction that cannot commit, too.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidTransactionState"/>: no transaction is open;
    /// <see cref="RunnelErrorCode.ProducerFenced"/>.</exception>
    Task AbortTransactionAsync(CancellationToken cancellationToken = default);
}
