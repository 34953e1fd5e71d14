namespace Runnel.Grains.State;

/// <summary>
/// A transactional id as <see cref="TransactionCoordinatorGrain"/> persists it: Orleans grain state <c>transaction</c>
/// in grain storage <c>runnel</c>, written only under the ETag the activation last read, so two activations of one
/// coordinator (a directory race after a failure) can never both write: the second is refused and fails its call as
/// retriable. Public only because the grain's constructor takes it.
/// </summary>
/// <remarks>
/// Epochs: <see cref="ProducerEpoch"/> is the epoch the current producer instance uses. While the status is
/// <see cref="TransactionStatus.PrepareCommit"/>/<see cref="TransactionStatus.PrepareAbort"/> the markers carry
/// <see cref="MarkerEpoch"/> (the epoch the producer moves to when they are written; equal to
/// <see cref="ProducerEpoch"/> when the end does not bump it). <see cref="LastProducerId"/>/<see cref="LastProducerEpoch"/>
/// name the identity the last completed transaction ran under, so a retry of its end is answered the same.
/// </remarks>
[GenerateSerializer]
[Alias("runnel.transaction-state")]
public sealed class TransactionCoordinatorState
{
    /// <summary>The state's name in grain storage.</summary>
    public const string StateName = "transaction";

    [Id(0)]
    public long ProducerId { get; set; }

    [Id(1)]
    public short ProducerEpoch { get; set; }

    [Id(2)]
    public TransactionStatus Status { get; set; }

    [Id(3)]
    public TimeSpan Timeout { get; set; }

    /// <summary>When the open (or completing) transaction began; null when none is open.</summary>
    [Id(4)]
    public DateTimeOffset? StartedAt { get; set; }

    [Id(5)]
    public List<TransactionPartition> Partitions { get; set; } = [];

    [Id(6)]
    public List<string> Groups { get; set; } = [];

    /// <summary>Raised by each activation's first write: markers carry it, so a marker of a deposed activation is told apart.</summary>
    [Id(7)]
    public int CoordinatorEpoch { get; set; }

    /// <summary>The producer epoch the markers of the transaction being completed carry.</summary>
    [Id(8)]
    public short MarkerEpoch { get; set; }

    /// <summary>The producer id the next transaction runs under once the markers are written (a new one when the epoch
    /// would overflow); equal to <see cref="ProducerId"/> otherwise.</summary>
    [Id(9)]
    public long NextProducerId { get; set; }

    /// <summary>The producer epoch of the next transaction once the markers are written.</summary>
    [Id(10)]
    public short NextProducerEpoch { get; set; }

    [Id(11)]
    public long LastProducerId { get; set; } = -1;

    [Id(12)]
    public short LastProducerEpoch { get; set; } = -1;

    /// <summary>Who ended the last transaction (or is ending the one in Prepare*).</summary>
    [Id(13)]
    public TransactionEndReason EndReason { get; set; }

    /// <summary>How many transactions this transactional id opened: the open (or completing) one's number, its id in
    /// its markers' participants header (0 in a state written before it existed: its markers name nothing).</summary>
    [Id(14)]
    public long TransactionNumber { get; set; }
}

/// <summary>Who ended a transaction: its producer's EndTxn, the coordinator at the timeout, or a newer instance's init.</summary>
[GenerateSerializer]
[Alias("runnel.transaction-end-reason")]
public enum TransactionEndReason
{
    Producer = 0,
    Timeout = 1,
    Fenced = 2,
}
