using Orleans.Concurrency;

namespace Runnel.Grains;

/// <summary>
/// One partition of a topic: the owner of its log. Key: <c>{topic}/{partition}</c>, e.g. <c>orders/3</c>
/// (see <see cref="PartitionKey"/>). Activation takes the log over (fencing any earlier owner); deactivation seals and
/// releases it. Produce requests are group-committed: the grain lets them interleave so that batches arriving while one
/// storage write is in flight go out together in the next.
/// </summary>
[Alias("runnel.partition")]
public interface IPartitionGrain : IGrainWithStringKey
{
    /// <summary>Appends one record batch (Kafka RecordBatch v2, built by the client). Validates it (CRC, framing,
    /// <c>max.message.bytes</c>), deduplicates idempotent producers (producer id, epoch, sequence: a retry of one of the
    /// producer's last 5 batches is answered with its original offsets and <see cref="ProduceResponse.IsDuplicate"/>),
    /// and answers once the batch is durable. Runs beside every other call to the partition
    /// (<see cref="AlwaysInterleaveAttribute"/>), so concurrent produce requests share storage writes.</summary>
    [AlwaysInterleave]
    [Alias("ProduceAsync")]
    ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default);

    /// <summary>Whole stored batches from <see cref="FetchRequest.Offset"/>, up to a byte budget; waits up to
    /// <see cref="FetchRequest.MaxWait"/> for data when there is none (without blocking other calls).</summary>
    [ReadOnly]
    [Alias("FetchAsync")]
    ValueTask<FetchResponse> FetchAsync(FetchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Where <paramref name="offset"/> lies in a sealed segment, for a client that reads sealed segments from the
    /// store itself (catch-up reads without the fetch's copies through the silo); null when the offset is in the active
    /// segment or at the high watermark, which only <see cref="FetchAsync"/> serves. <see cref="RunnelErrorCode.OffsetOutOfRange"/>
    /// when the offset is below the log start or above the high watermark. Loads the segment's sparse index on first use
    /// (a store read), otherwise answers from memory.</summary>
    [ReadOnly]
    [Alias("LocateSealedAsync")]
    ValueTask<SegmentLocation?> LocateSealedAsync(long offset, CancellationToken cancellationToken = default);

    /// <summary>The partition's watermarks: log start, high watermark, last stable offset.</summary>
    [ReadOnly]
    [Alias("GetOffsetsAsync")]
    ValueTask<PartitionOffsets> GetOffsetsAsync(CancellationToken cancellationToken = default);

    /// <summary>The offset of the first record with a timestamp at or after <paramref name="timestamp"/> (Unix ms),
    /// or null when there is none (Kafka's ListOffsets by timestamp).</summary>
    [ReadOnly]
    [Alias("OffsetForTimestampAsync")]
    ValueTask<long?> OffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a transaction's commit or abort marker (a RecordBatch control batch, as Kafka's) for one producer: its open
    /// transaction on this partition ends there. After a commit its records are visible to read_committed readers; after
    /// an abort they are skipped (<see cref="FetchResponse.AbortedTransactions"/>). The last stable offset moves past the
    /// transaction once the marker is durable. Only transaction coordinators call it. Idempotent: a marker for a producer
    /// with no open transaction here is written and ends nothing. Returns the marker's offset once it is durable.
    /// <see cref="RunnelErrorCode.ProducerFenced"/> when the marker's epoch is older than the producer's epoch here.
    /// </summary>
    [AlwaysInterleave]
    [Alias("WriteTransactionMarkerAsync")]
    ValueTask<long> WriteTransactionMarkerAsync(TransactionMarker marker, CancellationToken cancellationToken = default);

    /// <summary>Stops the partition if its topic is gone: re-reads the topic's metadata and, when the topic no longer
    /// exists or is being deleted, ends pending long-polls, closes the log (sealing and releasing it) and deactivates;
    /// later calls fail with <see cref="RunnelErrorCode.UnknownTopic"/>. Does nothing while the topic exists, so any
    /// caller may call it; the topic grain calls it for every partition when the topic is deleted, before removing the
    /// partition's blobs. Runs beside other calls so that it never waits behind a long-poll.</summary>
    [AlwaysInterleave]
    [Alias("RetireAsync")]
    ValueTask RetireAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes now the oldest sealed segments the topic's <c>retention.ms</c> / <c>retention.bytes</c> no longer
    /// keep (under <c>cleanup.policy=delete</c>), as the partition's own timer does every
    /// <c>RetentionCheckInterval</c> while it is active; the silos' retention sweep calls it to wake idle partitions that
    /// have expired segments. Returns how many segments were deleted.</summary>
    [Alias("EnforceRetentionAsync")]
    ValueTask<int> EnforceRetentionAsync(CancellationToken cancellationToken = default);

    /// <summary>Kafka's DeleteRecords: moves the partition's log start offset up to <paramref name="beforeOffset"/> (-1 for
    /// the high watermark); records below it are no longer readable (<see cref="RunnelErrorCode.OffsetOutOfRange"/>) and
    /// the segments wholly below it are deleted. An offset at or below the log start changes nothing. Returns the log
    /// start offset afterwards (the low watermark). <see cref="RunnelErrorCode.OffsetOutOfRange"/> when the offset is
    /// above the high watermark or negative other than -1.</summary>
    [Alias("DeleteRecordsAsync")]
    ValueTask<long> DeleteRecordsAsync(long beforeOffset, CancellationToken cancellationToken = default);

    /// <summary>Runs a compaction pass now, whatever the dirty ratio (the partition's own timer runs one every
    /// <c>RetentionCheckInterval</c> once <c>min.cleanable.dirty.ratio</c> is reached): the sealed segments keep each
    /// key's latest record at its offset, with the topic's <c>delete.retention.ms</c> and <c>min.compaction.lag.ms</c>.
    /// Costs a read of the compactable segments twice and a write of what is kept. <see cref="RunnelErrorCode.InvalidConfig"/>
    /// when the topic's <c>cleanup.policy</c> does not include <c>compact</c>. Runs beside other calls: fetches and
    /// produces go on during the pass.</summary>
    [AlwaysInterleave]
    [Alias("CompactAsync")]
    ValueTask<PartitionCompaction> CompactAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves this partition to the silo that owns it now, when that is not the silo serving it: the activation seals and
    /// releases its log once idle, and the next call activates it on its rendezvous owner (Orleans grain migration).
    /// Called by the silo's rebalancer when silos join; harmless on the right silo or for an inactive partition.
    /// </summary>
    [AlwaysInterleave]
    [Alias("HandOverIfMovedAsync")]
    ValueTask<bool> HandOverIfMovedAsync(CancellationToken cancellationToken = default);
}
