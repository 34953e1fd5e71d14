namespace Runnel.Log.Batches;

/// <summary>
/// What a <see cref="RecordBatchBuilder"/> writes into the batch header and how big it may grow. The defaults are a
/// non-idempotent, non-transactional, uncompressed batch of at most 1 MiB.
/// </summary>
public sealed record RecordBatchBuilderOptions
{
    /// <summary>
    /// The default <see cref="MaxBatchBytes"/>: 1 MiB, Kafka's default max.message.bytes, so a batch built here is
    /// accepted by a Kafka broker with default settings too.
    /// </summary>
    public const int DefaultMaxBatchBytes = 1024 * 1024;

    /// <summary>Codec for the records: <see cref="CompressionCodec.None"/> (default), gzip, snappy, lz4 or zstd.</summary>
    public CompressionCodec Compression { get; init; } = CompressionCodec.None;

    /// <summary>Idempotent producer id; -1 (default) for none.</summary>
    public long ProducerId { get; init; } = -1;

    /// <summary>Producer epoch; -1 (default) for none.</summary>
    public short ProducerEpoch { get; init; } = -1;

    /// <summary>Sequence number of the first record; -1 (default) for none.</summary>
    public int BaseSequence { get; init; } = -1;

    /// <summary>Sets attributes bit 4: the records belong to the producer's open transaction.</summary>
    public bool IsTransactional { get; init; }

    /// <summary>Sets attributes bit 5: the batch holds control records, appended with
    /// <see cref="RecordBatchBuilder.AppendControlRecord"/> only.</summary>
    public bool IsControlBatch { get; init; }

    /// <summary>The baseOffset to write; 0 by default (the log rewrites it on append).</summary>
    public long BaseOffset { get; init; }

    /// <summary>The partitionLeaderEpoch to write; -1 by default (the log sets it on append).</summary>
    public int PartitionLeaderEpoch { get; init; } = -1;

    /// <summary>
    /// The most bytes the batch may take, judged on the header plus the uncompressed records. Between <see cref="RecordBatch.HeaderSize"/> + 7 (one empty record) and
    /// <see cref="RecordBatch.MaxBatchBytes"/>; <see cref="DefaultMaxBatchBytes"/> by default.
    /// </summary>
    public int MaxBatchBytes { get; init; } = DefaultMaxBatchBytes;

    /// <summary>
    /// How many bytes of records the builder makes room for at first (capped at <see cref="MaxBatchBytes"/>); it
    /// doubles its buffer, copying what it holds, whenever the records outgrow it. A producer that fills batches to a
    /// known size starts at that size and never copies. 16 KiB by default; at least 1.
    /// </summary>
    public int InitialBufferBytes { get; init; } = 16 * 1024;
}
