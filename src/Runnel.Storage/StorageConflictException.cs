namespace Runnel.Storage;

/// <summary>The operation conflicts with the blob's state: a lease held by someone else, the wrong blob kind,
/// the append blob's block limit reached.</summary>
[GenerateSerializer, Alias("runnel.StorageConflictException")]
public sealed class StorageConflictException(string blobName, string detail, string? storeErrorCode = null, Exception? innerException = null)
    : StorageException(RunnelErrorCode.StorageConflict, blobName, $"Conflict on blob '{blobName}': {detail}", storeErrorCode, innerException, isRetriable: false);
