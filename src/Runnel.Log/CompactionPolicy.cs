namespace Runnel.Log;

/// <summary>
/// How a compaction pass (<see cref="PartitionLog.CompactAsync"/>) cleans a partition, as Kafka's topic settings of the
/// same names.
/// </summary>
/// <param name="MinCleanableDirtyRatio">Kafka's <c>min.cleanable.dirty.ratio</c>: a pass that is not forced runs only
/// when the sealed segments not yet compacted hold at least this share of the cleanable bytes. In [0, 1]; default 0.5.</param>
/// <param name="DeleteRetentionMs">Kafka's <c>delete.retention.ms</c>: a tombstone (a keyed record with a null value)
/// that is its key's latest record is kept until its timestamp is this many milliseconds before the pass's clock, so
/// that a consumer reading from the start sees the delete; later passes drop it. At least 0; default one day.</param>
/// <param name="MinCompactionLagMs">Kafka's <c>min.compaction.lag.ms</c>: a sealed segment is cleaned only once its newest
/// record is at least this old; it and every segment after it wait. At least 0; default 0.</param>
public sealed record CompactionPolicy(double MinCleanableDirtyRatio = 0.5, long DeleteRetentionMs = CompactionPolicy.DefaultDeleteRetentionMs, long MinCompactionLagMs = 0)
{
    /// <summary>Kafka's default <c>delete.retention.ms</c>: 86,400,000 (one day).</summary>
    public const long DefaultDeleteRetentionMs = 24L * 60 * 60 * 1000;

    /// <summary>Kafka's defaults.</summary>
    public static CompactionPolicy Default { get; } = new();

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it.</exception>
    public void Validate()
    {
        if (double.IsNaN(MinCleanableDirtyRatio) || MinCleanableDirtyRatio is < 0 or > 1)
        {
            throw new ArgumentException($"CompactionPolicy.MinCleanableDirtyRatio must be in [0, 1] (was {MinCleanableDirtyRatio}).", nameof(MinCleanableDirtyRatio));
        }

        if (DeleteRetentionMs < 0)
        {
            throw new ArgumentException($"CompactionPolicy.DeleteRetentionMs must be at least 0 (was {DeleteRetentionMs}).", nameof(DeleteRetentionMs));
        }

        if (MinCompactionLagMs < 0)
        {
            throw new ArgumentException($"CompactionPolicy.MinCompactionLagMs must be at least 0 (was {MinCompactionLagMs}).", nameof(MinCompactionLagMs));
        }
    }
}
