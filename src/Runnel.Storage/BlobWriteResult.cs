namespace Runnel.Storage;

/// <summary>The outcome of a write: the blob's new ETag and the store's clock.</summary>
public readonly record struct BlobWriteResult(ETag ETag, DateTimeOffset LastModified, DateTimeOffset ServerTime);
