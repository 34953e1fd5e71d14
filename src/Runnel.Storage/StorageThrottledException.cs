namespace Runnel.Storage;

/// <summary>The store is throttling us (HTTP 429/503 server busy) and the adapter's retries ran out. Retriable after a back-off.</summary>
[GenerateSerializer, Alias("runnel.StorageThrottledException")]
public sealed class StorageThrottledException(string blobName, string detail, string? storeErrorCode = null, Exception? innerException = null)
    : StorageException(RunnelErrorCode.StorageThrottled, blobName, $"Store throttled the operation on '{blobName}': {detail}", storeErrorCode, innerException, isRetriable: true);
