namespace Runnel.Log;

/// <summary>
/// How long a partition keeps its data, as Kafka's <c>retention.ms</c> and <c>retention.bytes</c>: whole sealed segments
/// are deleted from the oldest on while either limit says so; the active segment never is.
/// </summary>
/// <param name="RetentionMs">A sealed segment whose newest record timestamp is older than this many milliseconds before
/// now may be deleted; -1 keeps data forever.</param>
/// <param name="RetentionBytes">The oldest sealed segment may be deleted while the partition would still hold at least
/// this many bytes without it; -1 for no size limit.</param>
public sealed record RetentionPolicy(long RetentionMs, long RetentionBytes)
{
    /// <summary>Keep everything.</summary>
    public static RetentionPolicy KeepAll { get; } = new(-1, -1);

    /// <summary>Checks both fields.</summary>
    /// <exception cref="ArgumentException">A field is neither -1 nor positive (0 for bytes is allowed: keep only the
    /// active segment).</exception>
    public void Validate()
    {
        if (RetentionMs is < -1 or 0)
        {
            throw new ArgumentException($"RetentionPolicy.RetentionMs must be -1 (forever) or positive (was {RetentionMs}).", nameof(RetentionMs));
        }

        if (RetentionBytes < -1)
        {
            throw new ArgumentException($"RetentionPolicy.RetentionBytes must be -1 (no limit) or at least 0 (was {RetentionBytes}).", nameof(RetentionBytes));
        }
    }
}
