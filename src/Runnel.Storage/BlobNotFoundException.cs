namespace Runnel.Storage;

/// <summary>The blob (or its container) does not exist.</summary>
[GenerateSerializer, Alias("runnel.BlobNotFoundException")]
public sealed class BlobNotFoundException(string blobName, string? storeErrorCode = null, Exception? innerException = null)
    : StorageException(RunnelErrorCode.BlobNotFound, blobName, $"Blob '{blobName}' does not exist.", storeErrorCode, innerException, isRetriable: false);
