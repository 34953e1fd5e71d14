namespace Runnel.Storage;

/// <summary>
/// A condition of the write did not hold, so nothing was written. On a partition's blobs this is a fencing
/// signal ("you are no longer the owner"): re-read and re-decide, never retry blindly.
/// </summary>
[GenerateSerializer, Alias("runnel.PreconditionFailedException")]
public sealed class PreconditionFailedException(string blobName, PreconditionKind kind, string detail, string? storeErrorCode = null, Exception? innerException = null)
    : StorageException(RunnelErrorCode.PreconditionFailed, blobName, $"Condition on blob '{blobName}' not met ({kind}): {detail}", storeErrorCode, innerException, isRetriable: false)
{
    /// <summary>Which condition failed.</summary>
    [Id(0)]
    public PreconditionKind Kind { get; } = kind;
}
