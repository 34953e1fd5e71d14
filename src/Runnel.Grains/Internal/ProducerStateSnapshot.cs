using System.Text.Json;

namespace Runnel.Grains.Internal;

/// <summary>
/// The idempotent producers' state of one partition as of <see cref="NextOffset"/>, the JSON document in
/// <c>topics/{topic}/{p}/producer-state</c>. Written by the owner after it takes the partition over and before it
/// hands it back, each time by If-Match on the ETag it read (so a fenced owner cannot overwrite its successor's);
/// the next owner loads it and replays the batches it recovers at or after <see cref="NextOffset"/>.
/// <code>
/// {"version":1,"nextOffset":42,"producers":[{"producerId":7,"epoch":0,
///   "batches":[{"baseSequence":0,"lastSequence":2,"baseOffset":0,"lastOffset":2}]}],"logEpoch":3}
/// </code>
/// <see cref="LogEpoch"/> is the partition log's epoch (its manifest's) of the owner that wrote it: a snapshot of a
/// later epoch is a successor's, which a fenced owner never replaces (0 in snapshots of builds before it was kept).
/// </summary>
internal sealed record ProducerStateSnapshot(int Version, long NextOffset, IReadOnlyList<ProducerSnapshotEntry> Producers, long LogEpoch = 0)
{
    public const int CurrentVersion = 1;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, GrainsJsonContext.Default.ProducerStateSnapshot);

    /// <summary>Parses a snapshot; null when it is not one this build reads (the caller rebuilds what it can without it).</summary>
    public static ProducerStateSnapshot? TryFromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var snapshot = JsonSerializer.Deserialize(json, GrainsJsonContext.Default.ProducerStateSnapshot);
            return snapshot?.Version == CurrentVersion ? snapshot : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One producer in a <see cref="ProducerStateSnapshot"/>: its epoch and last batches, oldest first.</summary>
internal sealed record ProducerSnapshotEntry(long ProducerId, short Epoch, IReadOnlyList<ProducerSnapshotBatch> Batches);

/// <summary>One batch in a <see cref="ProducerSnapshotEntry"/>.</summary>
internal sealed record ProducerSnapshotBatch(int BaseSequence, int LastSequence, long BaseOffset, long LastOffset);
