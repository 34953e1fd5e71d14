namespace Runnel.Storage;

/// <summary>
/// The store holds data for the blob that it cannot read as valid: both metadata slots are damaged, no slot's data
/// verifies, or the blob is in an on-disk layout this version does not read. Never retriable and never treated as
/// "absent": the message names the blob's directory and what to do. Raised by the file store only.
/// </summary>
[GenerateSerializer, Alias("runnel.StorageCorruptException")]
public sealed class StorageCorruptException(string blobName, string detail, Exception? innerException = null)
    : StorageException(RunnelErrorCode.StorageCorrupt, blobName, $"Stored data of blob '{blobName}' is not readable: {detail}", storeErrorCode: null, innerException, isRetriable: false);
