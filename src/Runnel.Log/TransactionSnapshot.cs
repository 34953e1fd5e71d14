using Runnel.Grains;

namespace Runnel.Log;

/// <summary>
/// A partition's transaction bookkeeping as of an offset: which producers have a transaction open (and the offset of its
/// first batch — the last stable offset cannot pass the lowest), and the aborted transactions not wholly below the log
/// start (read_committed readers skip their records). Kept in the manifest and the tail checkpoint, so a takeover
/// rebuilds it from there and the batches after <see cref="AsOf"/>, without reading the whole log.
/// </summary>
/// <param name="AsOf">Every batch below this offset is accounted for, none at or above it.</param>
/// <param name="Open">Producers with an open transaction, and its first offset.</param>
/// <param name="Aborted">Aborted transactions, in the order of their markers.</param>
public sealed record TransactionSnapshot(long AsOf, IReadOnlyList<OpenTransaction> Open, IReadOnlyList<AbortedTransaction> Aborted)
{
    /// <summary>No transaction ever: what a partition written before transactions existed has.</summary>
    public static TransactionSnapshot Empty { get; } = new(0, [], []);
}

/// <summary>A producer's open transaction on a partition: its first batch's offset.</summary>
public readonly record struct OpenTransaction(long ProducerId, long FirstOffset);
