using Runnel.Log;

namespace Runnel.Grains;

/// <summary>
/// How the product grains behave. Set in <c>AddRunnelGrains</c> or bind from
/// configuration; validated when the host starts (<see cref="RunnelGrainsOptionsValidator"/>), with messages that name
/// the field.
/// </summary>
public sealed class RunnelGrainsOptions
{
    /// <summary>How many producer ids one storage write reserves. Default 1,000: one CAS per thousand producers, and a
    /// restart skips at most that many ids (ids are 64-bit, so skipping costs nothing). 1 to 1,000,000.</summary>
    public int ProducerIdBlockSize { get; set; } = 1000;

    /// <summary>The longest <see cref="FetchRequest.MaxWait"/> a fetch may ask for. Default 5 min; a longer wait is
    /// an <see cref="RunnelErrorCode.InvalidArgument"/> error. Keep it below clients' response timeouts.</summary>
    public TimeSpan MaxFetchWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a partition's copy of its topic's config may get before a produce request refreshes it in the
    /// background (one storage read). Default 30 s. A produce larger than the cached <c>max.message.bytes</c> always
    /// re-reads it first, so raising the limit takes effect at once; lowering it, within this interval.</summary>
    public TimeSpan ConfigRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many partitions a topic deletion stops at once. Default 16. 1 to 1,024.</summary>
    public int DeleteParallelism { get; set; } = 16;

    /// <summary>How long an idempotent producer's batch that arrives ahead of its sequence (an earlier request of the same
    /// producer is still on its way: requests interleave and may overtake each other) waits for the gap to fill before
    /// it is refused as out of order. Default 2 s.</summary>
    public TimeSpan SequenceGapWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often consumer group members are told to heartbeat (never more than a third of a member's session
    /// timeout), and how often a group checks for members whose session expired. Default 3 s.</summary>
    public TimeSpan GroupHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A consumer group snapshots its whole state after this many logged changes, so an activation replays at
    /// most about this many records (plus those since the last snapshot of a crashed owner). Default 1,000. 1 to 1,000,000.</summary>
    public int GroupSnapshotRecords { get; set; } = 1000;

    /// <summary>How old a consumer group's view of its subscribed topics (partition counts, the topics a pattern
    /// matches) may get before a heartbeat refreshes it (a describe per topic, a catalog listing for patterns).
    /// Default 30 s; a subscription that names a topic the group has not seen refreshes at once.</summary>
    public TimeSpan GroupMetadataRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an active partition deletes the sealed segments its topic's <c>retention.ms</c> and
    /// <c>retention.bytes</c> no longer keep (Kafka's <c>log.retention.check.interval.ms</c>). Default 5 min. A partition
    /// enforces retention only while it is active (it activates on any produce or fetch).</summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often one silo of the cluster reads every transactional id's coordinator state and asks those with
    /// a transaction past its timeout, or one whose markers were left unwritten, to finish it
    /// (<see cref="ITransactionCoordinatorGrain.ExpireAsync"/>), so a coordinator whose silo died still times out its
    /// transaction. Each pass is one storage read per transactional id. Default 30 s; at least 1 s.</summary>
    public TimeSpan TransactionSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a silo hands its active partitions to a silo that joined and now owns them under rendezvous
    /// placement (~1/N of them per join), rather than keeping them until they deactivate. Default true.</summary>
    public bool RebalanceOnJoin { get; set; } = true;

    /// <summary>The most memory the silo's large produce batches (over one append block, 4 MiB: records up to 64 MiB)
    /// hold at once between arrival and acknowledgement; more wait their turn, first come first served (a batch larger
    /// than this runs alone). Default 256 MiB. At least 4 MiB.</summary>
    public long LargeBatchMemoryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Tuning of each partition's log. <see cref="PartitionLogOptions.SegmentBytes"/> is replaced by the
    /// topic's <c>segment.bytes</c> and <see cref="PartitionLogOptions.MaxBatchBytes"/> by the largest
    /// <c>max.message.bytes</c> allowed (the partition grain enforces the topic's own limit). Default: the log's defaults.</summary>
    public PartitionLogOptions PartitionLog { get; set; } = new();
}
