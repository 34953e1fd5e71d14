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

    /// <summary>Failed retriably, awaiting a resend, in send order.</summary>
    public List<ProducerBatch> Retry { get; } = [];

    /// <summary>The next batch's base sequence.</summary>
    public int NextSequence { get; set; }

    public long SendCounter { get; set; }

    /// <summary>The producer id this partition's batches carry; null until known (idempotent producers).</summary>
    public ProducerIdentity? Identity { get; set; }

    public bool IdentityPending { get; set; }

    /// <summary>True once a batch failed for good: the sequence must restart under a fresh producer id.</summary>
    public bool NeedsReset { get; set; }

    /// <summary>True after a reset: this partition allocates its own producer id instead of the producer's shared one.</summary>
    public bool OwnIdentity { get; set; }

    public long RetryAt { get; set; }

    public ITimer? RetryTimer { get; set; }

    public bool IsIdle => Unsent.Count == 0 && InFlight.Count == 0 && Retry.Count == 0;
}
