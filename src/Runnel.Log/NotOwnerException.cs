namespace Runnel.Log;

/// <summary>
/// This log instance has been fenced: a newer owner took the partition over (its manifest write or segment append
/// met a failed precondition or a sealed segment). Pending and later appends fail with this error; the caller
/// retries against the partition's current owner.
/// </summary>
[GenerateSerializer, Alias("runnel.NotOwnerException")]
public sealed class NotOwnerException(string partition, long epoch, string detail, Exception? innerException = null)
    : RunnelException(RunnelErrorCode.NotOwner, $"Partition '{partition}' is no longer owned by this log (epoch {epoch}): {detail}", innerException, isRetriable: true)
{
    [Id(0)]
    public string Partition { get; } = partition;

    /// <summary>The epoch this instance held when it was fenced.</summary>
    [Id(1)]
    public long Epoch { get; } = epoch;
}
