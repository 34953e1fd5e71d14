using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Log;

/// <summary>Tuning of one partition log. Defaults follow Kafka's where Kafka has one.</summary>
public sealed record PartitionLogOptions
{
    /// <summary>Roll to a new segment once the active one would pass this many bytes (Kafka's <c>segment.bytes</c>).
    /// Default 128 MiB. A segment also rolls before Azure's 50,000-block cap on one append blob.</summary>
    public long SegmentBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>The most bytes one append block (one storage write, one fsync) carries: group commit packs the batches
    /// that queued while the previous write was in flight into one block up to this size. Default and maximum 4 MiB,
    /// Azure's portable Append Block cap (<see cref="ObjectStoreLimits.MaxAppendBlockBytes"/>).</summary>
    public int MaxBlockBytes { get; init; } = ObjectStoreLimits.MaxAppendBlockBytes;

    /// <summary>The largest record batch accepted. Default 1 MiB + 12 bytes of batch framing, like Kafka's
    /// <c>max.message.bytes</c>; at most <see cref="RecordBatch.MaxBatchBytes"/>. A batch larger than
    /// <see cref="MaxBlockBytes"/> is a block of its own, written as consecutive append blocks of at most that size and
    /// acknowledged after the last (a crash between them leaves a torn tail, cut on recovery, never acknowledged).</summary>
    public int MaxBatchBytes { get; init; } = 1024 * 1024 + 12;

    /// <summary>Blocks per segment before a roll. Default 49,000: a margin under Azure's 50,000-block cap
    /// (<see cref="ObjectStoreLimits.MaxBlocksPerAppendBlob"/>) so a roll never races the hard limit.</summary>
    public int MaxBlocksPerSegment { get; init; } = 49_000;

    /// <summary>Bytes of log between two entries of the sparse offset and time indexes (Kafka's
    /// <c>index.interval.bytes</c>). Default 4 KiB: a cold read fetches at most this much before the batch it wants.</summary>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary>Every this many blocks appended to the active segment, the owner records a tail checkpoint (one small
    /// blob write, off the append path): the next owner then reads only what was appended after it instead of the
    /// whole unsealed segment, which on Azure costs time per block. 0 turns it off. Default 256.</summary>
    public int CheckpointIntervalBlocks { get; init; } = 256;

    /// <summary>How many of each producer's most recent batches a tail checkpoint keeps, so that the next owner can
    /// rebuild idempotent producers' state without reading the batches before the checkpoint. Must be at least what
    /// the producer-state table keeps per producer. Default 5 (Kafka's).</summary>
    public int CheckpointBatchesPerProducer { get; init; } = 5;

    /// <summary>How many bytes of the most recently appended blocks are kept in memory to serve hot reads. Default 32 MiB.</summary>
    public long TailCacheBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Bytes of appends waiting for the writer before <see cref="PartitionLog.AppendAsync(ReadOnlyMemory{byte}, CancellationToken)"/> makes callers wait
    /// (backpressure). Default 64 MiB. A batch larger than this is still taken,
    /// alone, once nothing else waits.</summary>
    public long MaxPendingBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How many times a transient storage failure is retried (with exponential back-off from
    /// <see cref="RetryBaseDelay"/>) before the log gives up and faults. Default 8.</summary>
    public int MaxStorageRetries { get; init; } = 8;

    /// <summary>The first back-off delay after a transient storage failure. Default 50 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Clock for back-off delays (tests use a fake). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="RunnelException"/> (<see cref="RunnelErrorCode.InvalidArgument"/>) naming the first
    /// option that is out of range.</summary>
    public void Validate()
    {
        Check(SegmentBytes >= 1024, nameof(SegmentBytes), "must be at least 1024");
        Check(MaxBlockBytes is > 0 and <= ObjectStoreLimits.MaxAppendBlockBytes, nameof(MaxBlockBytes), $"must be in (0, {ObjectStoreLimits.MaxAppendBlockBytes}]");
        Check(MaxBatchBytes > 61 && MaxBatchBytes <= RecordBatch.MaxBatchBytes, nameof(MaxBatchBytes), $"must be in (61, {RecordBatch.MaxBatchBytes}]");
        Check(MaxBlocksPerSegment is > 0 and < ObjectStoreLimits.MaxBlocksPerAppendBlob, nameof(MaxBlocksPerSegment), $"must be in (0, {ObjectStoreLimits.MaxBlocksPerAppendBlob})");
        Check(IndexIntervalBytes > 0, nameof(IndexIntervalBytes), "must be positive");
        Check(CheckpointIntervalBlocks >= 0, nameof(CheckpointIntervalBlocks), "must not be negative");
        Check(CheckpointBatchesPerProducer > 0, nameof(CheckpointBatchesPerProducer), "must be positive");
        Check(TailCacheBytes >= 0, nameof(TailCacheBytes), "must not be negative");
        Check(MaxPendingBytes > 0, nameof(MaxPendingBytes), "must be positive");
        Check(MaxStorageRetries >= 0, nameof(MaxStorageRetries), "must not be negative");
        Check(RetryBaseDelay >= TimeSpan.Zero, nameof(RetryBaseDelay), "must not be negative");
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    private static void Check(bool ok, string field, string rule)
    {
        if (!ok)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"PartitionLogOptions.{field} {rule}.");
        }
    }
}
