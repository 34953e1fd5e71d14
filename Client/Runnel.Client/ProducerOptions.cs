using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>
/// How a <see cref="Producer{TKey, TValue}"/> batches, compresses, retries and bounds its memory. Immutable; change
/// with <c>with</c>. Defaults follow the Kafka Java client's (named in each property), so tuning advice carries over.
/// </summary>
public sealed record ProducerOptions
{
    /// <summary>The defaults below.</summary>
    public static ProducerOptions Default { get; } = new();

    /// <summary>The most requests in flight per partition (Kafka <c>max.in.flight.requests.per.connection</c>, here per
    /// partition): 5, the most a partition's duplicate window covers, so retries keep order. Default 5; 1..5 with
    /// idempotence.</summary>
    public const int MaxIdempotentInFlight = 5;

    /// <summary>Idempotent produce (Kafka <c>enable.idempotence</c>, default true): the producer takes a producer id
    /// and numbers each partition's batches, so a batch retried after a lost response is written once, and order is
    /// kept with several requests in flight. Off: retries may duplicate records.</summary>
    public bool EnableIdempotence { get; init; } = true;

    /// <summary>Makes the producer transactional (Kafka <c>transactional.id</c>): its writes to any partitions of any
    /// topics, and the consumer-group offsets it sends, are committed or aborted together
    /// (<see cref="IProducer{TKey, TValue}.BeginTransaction"/> ... <see cref="IProducer{TKey, TValue}.CommitTransactionAsync"/>).
    /// The id names one logical producer across restarts: <see cref="IProducer{TKey, TValue}.InitTransactionsAsync"/>
    /// under an id fences every older instance that used it. 1–249 characters of <c>[a-zA-Z0-9._-]</c>, not <c>.</c> or
    /// <c>..</c> (the group id rule). Needs <see cref="EnableIdempotence"/>. Default null: not transactional.</summary>
    public string? TransactionalId { get; init; }

    /// <summary>How long a transaction may stay open before the coordinator aborts it (Kafka
    /// <c>transaction.timeout.ms</c>); between 1 s and 15 min. Only with <see cref="TransactionalId"/>. Default 60 s.</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The shortest and longest <see cref="TransactionTimeout"/> the coordinator accepts.</summary>
    internal static readonly TimeSpan MinTransactionTimeout = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinTransactionTimeout"/>
    internal static readonly TimeSpan MaxTransactionTimeout = TimeSpan.FromMinutes(15);

    /// <summary>How long a batch waits for more records before it is sent (Kafka <c>linger.ms</c>; 5 ms as in Kafka
    /// 4.0). Zero sends as soon as the partition has a free in-flight slot. Default 5 ms.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A batch is closed (and sent) once it holds this many bytes (Kafka <c>batch.size</c>). A record larger
    /// than this gets a batch of its own, up to <see cref="MaxRequestSize"/>. Default 16 KiB.</summary>
    public int BatchSize { get; init; } = 16 * 1024;

    /// <summary>How large a partition's open batch may grow, past <see cref="BatchSize"/>, while the partition cannot
    /// send it anyway (<see cref="MaxInFlightPerPartition"/> requests outstanding, or a retry pending). Under load the producer then sends fewer, larger batches, each costing the partition one append and
    /// one sync, instead of queueing many <see cref="BatchSize"/> ones; a partition with a free slot still sends at
    /// <see cref="BatchSize"/> or after <see cref="Linger"/>, so latency at a light load is unchanged. Capped by
    /// <see cref="MaxRequestSize"/>; at most <see cref="BatchSize"/> (e.g. 0) turns growing off, for Kafka's fixed
    /// batches. Default 256 KiB.</summary>
    public int BatchSizeUnderLoad { get; init; } = 256 * 1024;

    /// <summary>The largest batch, and so the largest record, sent (Kafka <c>max.request.size</c>; it matches the
    /// partition's default <c>max.message.bytes</c> of 1 MiB). Default 1 MiB.</summary>
    public int MaxRequestSize { get; init; } = 1024 * 1024;

    /// <summary>Bytes of records the producer may hold (queued, in flight, being retried) before producing waits for
    /// room (Kafka <c>buffer.memory</c>). Each record counts its key, value and header bytes plus 64 bytes of
    /// bookkeeping. Default 32 MiB.</summary>
    public long BufferMemory { get; init; } = 32L * 1024 * 1024;

    /// <summary>How long producing waits for buffer room (or for the topic's metadata) before it fails with
    /// <see cref="RunnelErrorCode.BufferExhausted"/> (Kafka <c>max.block.ms</c>). Default 60 s.</summary>
    public TimeSpan BufferTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest a record may take from being produced to being acknowledged, retries included (Kafka
    /// <c>delivery.timeout.ms</c>); then it fails with <see cref="RunnelErrorCode.DeliveryTimedOut"/>. A request
    /// already sent is never abandoned: its record fails once the request returns. Default 120 s.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The longest closing (<see cref="IProducer{TKey, TValue}"/>'s <c>DisposeAsync</c> or <c>Dispose</c>) waits
    /// for buffered and in-flight records to be delivered (as Kafka's <c>close(timeout)</c>); records still undelivered
    /// then fail with <see cref="RunnelErrorCode.DeliveryTimedOut"/>, possibly stored. <see cref="TimeSpan.Zero"/>
    /// closes at once. Since no record outlives <see cref="DeliveryTimeout"/>, a close never waits much longer than
    /// that either. Default 120 s (the default <see cref="DeliveryTimeout"/>, so a default close gives every record its
    /// full delivery time).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The first wait before retrying a failed request (Kafka <c>retry.backoff.ms</c>); doubles per attempt up to
    /// <see cref="RetryBackoffMax"/>, with ±20% jitter. Default 100 ms.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between retries (Kafka <c>retry.backoff.max.ms</c>). Default 1 s.</summary>
    public TimeSpan RetryBackoffMax { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests in flight per partition; see <see cref="MaxIdempotentInFlight"/>. Default 5.</summary>
    public int MaxInFlightPerPartition { get; init; } = MaxIdempotentInFlight;

    /// <summary>Requests in flight across all partitions of the producer (Kafka bounds them per broker connection,
    /// where one request carries many partitions' batches; here a request carries one partition's batch). When all are
    /// out, a partition with a batch ready waits its turn (first come, first served) and meanwhile lets its open batch
    /// grow (<see cref="BatchSizeUnderLoad"/>): keyed records spread over thousands of partitions then go as fewer,
    /// larger batches, each one request, one append and one sync, instead of one each per record. Default 256 (the
    /// rate of grain calls levels off there).</summary>
    public int MaxInFlightRequests { get; init; } = 256;

    /// <summary>The batch codec (Kafka <c>compression.type</c>). Default none.</summary>
    public CompressionType Compression { get; init; } = CompressionType.None;

    /// <summary>Chooses partitions for records produced without one. Default <see cref="Murmur2Partitioner"/>
    /// (Kafka-compatible murmur2 for keys, sticky for null keys).</summary>
    public IPartitioner Partitioner { get; init; } = Murmur2Partitioner.Instance;

    /// <summary>How long a topic's partition count is trusted before it is described again (Kafka
    /// <c>metadata.max.age.ms</c>), so added partitions are used. Default 5 min.</summary>
    public TimeSpan MetadataMaxAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The batch size a partition that cannot send grows its open batch to: <see cref="BatchSizeUnderLoad"/>
    /// between <see cref="BatchSize"/> and <see cref="MaxRequestSize"/>.</summary>
    internal int EffectiveBatchSizeUnderLoad => Math.Min(Math.Max(BatchSize, BatchSizeUnderLoad), MaxRequestSize);

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is not valid; the message names it.</exception>
    public void Validate()
    {
        OptionChecks.Require(Linger >= TimeSpan.Zero, $"ProducerOptions.Linger must not be negative (was {Linger}).");
        OptionChecks.Require(MaxRequestSize is >= 1024 and <= Log.Batches.RecordBatch.MaxBatchBytes,
            $"ProducerOptions.MaxRequestSize must be between 1024 and {Log.Batches.RecordBatch.MaxBatchBytes} (was {MaxRequestSize}).");
        OptionChecks.Require(BatchSize >= 128 && BatchSize <= MaxRequestSize,
            $"ProducerOptions.BatchSize must be between 128 and MaxRequestSize ({MaxRequestSize}) (was {BatchSize}).");
        OptionChecks.Require(BatchSizeUnderLoad >= 0, $"ProducerOptions.BatchSizeUnderLoad must not be negative (was {BatchSizeUnderLoad}).");
        OptionChecks.Require(BufferMemory >= MaxRequestSize, $"ProducerOptions.BufferMemory must be at least MaxRequestSize ({MaxRequestSize}) (was {BufferMemory}).");
        OptionChecks.Require(BufferTimeout >= TimeSpan.Zero, $"ProducerOptions.BufferTimeout must not be negative (was {BufferTimeout}).");
        OptionChecks.Require(DeliveryTimeout > TimeSpan.Zero, $"ProducerOptions.DeliveryTimeout must be positive (was {DeliveryTimeout}).");
        OptionChecks.Require(CloseTimeout >= TimeSpan.Zero, $"ProducerOptions.CloseTimeout must not be negative (was {CloseTimeout}).");
        OptionChecks.Require(RetryBackoff > TimeSpan.Zero, $"ProducerOptions.RetryBackoff must be positive (was {RetryBackoff}).");
        OptionChecks.Require(RetryBackoffMax >= RetryBackoff, $"ProducerOptions.RetryBackoffMax ({RetryBackoffMax}) must be at least RetryBackoff ({RetryBackoff}).");
        OptionChecks.Require(MaxInFlightRequests >= 1, $"ProducerOptions.MaxInFlightRequests must be at least 1 (was {MaxInFlightRequests}).");
        OptionChecks.Require(MaxInFlightPerPartition >= 1 && (!EnableIdempotence || MaxInFlightPerPartition <= MaxIdempotentInFlight),
            $"ProducerOptions.MaxInFlightPerPartition must be at least 1, and at most {MaxIdempotentInFlight} with idempotence (was {MaxInFlightPerPartition}).");
        OptionChecks.Require(Enum.IsDefined(Compression), $"ProducerOptions.Compression is not a codec (was {(int)Compression}).");
        OptionChecks.Require(Partitioner is not null, "ProducerOptions.Partitioner must not be null.");
        if (TransactionalId is not null && !Grains.TopicName.IsValid(TransactionalId, out _))
        {
            var shown = TransactionalId.Length > 40 ? $"'{TransactionalId[..40]}...' ({TransactionalId.Length} characters)" : $"'{TransactionalId}'";
            throw new ArgumentException(
                $"ProducerOptions.TransactionalId {shown} is not valid: it must be 1 to {Grains.TopicName.MaxLength} characters of [a-zA-Z0-9._-], and not '.' or '..'.");
        }

        OptionChecks.Require(TransactionalId is null || EnableIdempotence,
            "ProducerOptions.TransactionalId needs EnableIdempotence: a transactional producer is idempotent.");
        OptionChecks.Require(TransactionTimeout >= MinTransactionTimeout && TransactionTimeout <= MaxTransactionTimeout,
            $"ProducerOptions.TransactionTimeout must be between {MinTransactionTimeout} and {MaxTransactionTimeout} (was {TransactionTimeout}).");
        OptionChecks.Require(MetadataMaxAge > TimeSpan.Zero, $"ProducerOptions.MetadataMaxAge must be positive (was {MetadataMaxAge}).");
    }
}
