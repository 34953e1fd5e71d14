namespace Runnel.Storage;

/// <summary>
/// The store could not be reached or failed, and the adapter's retries ran out. When
/// <see cref="RunnelException.IsOutcomeUnknown"/> is set the request may have been applied (a timeout after
/// sending, a lost response): find out from the store before acting as if it was not.
/// </summary>
[GenerateSerializer, Alias("runnel.StorageUnavailableException")]
public sealed class StorageUnavailableException(string blobName, string detail, bool isOutcomeUnknown, string? storeErrorCode = null, Exception? innerException = null)
    : StorageException(RunnelErrorCode.StorageUnavailable, blobName, $"Store unavailable for '{blobName}': {detail}", storeErrorCode, innerException, isRetriable: true, isOutcomeUnknown);
