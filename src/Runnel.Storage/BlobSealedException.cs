namespace Runnel.Storage;

/// <summary>The append blob is sealed: no more blocks can be appended. For a partition's segment this means a
/// newer owner has taken over.</summary>
[GenerateSerializer, Alias("runnel.BlobSealedException")]
public sealed class BlobSealedException(string blobName, string? storeErrorCode = null, Exception? innerException = null)
    : StorageException(RunnelErrorCode.BlobSealed, blobName, $"Append blob '{blobName}' is sealed.", storeErrorCode, innerException, isRetriable: false);
