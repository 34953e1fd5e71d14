using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <summary>
/// A producer's state for one partition: unsent batches (the last one open for appends), batches in flight, batches
/// waiting to be retried, and the idempotent sequence. Guarded by the producer's lock.
/// </summary>
internal sealed class PartitionQueue(TopicState topic, TopicPartition partition, IPartitionGrain grain)
{
    public TopicState Topic { get; } = topic;

    public TopicPartition Partition { get; } = partition;

    public IPartitionGrain Grain { get; } = grain;

    /// <summary>Batches not sent yet, oldest first; the last one takes appends while it has room.</summary>
    public LinkedList<ProducerBatch> Unsent { get; } = new();

    /// <summary>Sent, awaiting the response.</summary>
    public List<ProducerBatch> InFlight { get; } = [];

    /// <summary>True while the partition waits in the producer's queue for a free request slot
    /// (<see cref="ProducerOptions.MaxInFlightRequests"/>).</summary>
    public bool WaitsForSlot { get; set; }

    /// <summary>Failed retriably, awaiting a resend, in send order.</summary>
    public List<ProducerBatch> Retry { get; } = [];

    /// <summary>The next batch's base sequence.</summary>
    public int NextSequence { get; set; }

    public long SendCounter { get; set; }

    /// <summary>The producer id this partition's batches carry; null until known (idempotent producers).</summary>
    public ProducerIdentity? Identity { get; set; }

    public bool IdentityPending { get; set; }

    /// <summary>True once a batch failed for good: the sequence must restart at 0 under a bumped epoch.</summary>
    public bool NeedsReset { get; set; }

    /// <summary>True when the partition lost its state for this producer (it refused the oldest unacknowledged batch as
    /// from an unknown producer): once nothing is in flight, the batches awaiting a resend are numbered again from 0
    /// under a bumped epoch.</summary>
    public bool NeedsResequence { get; set; }

    /// <summary>True once the partition's epoch could not be bumped any more: it allocates its own producer id instead of
    /// the producer's shared one.</summary>
    public bool OwnIdentity { get; set; }

    /// <summary>Transactional producers: the partition is part of the open transaction (its coordinator has it durably),
    /// so its batches may be sent.</summary>
    public bool InTransaction { get; set; }

    /// <summary>Transactional producers: the partition waits to be added to the open transaction.</summary>
    public bool AddPending { get; set; }

    public long RetryAt { get; set; }

    public ITimer? RetryTimer { get; set; }

    public bool IsIdle => Unsent.Count == 0 && InFlight.Count == 0 && Retry.Count == 0;
}
