namespace Runnel.Storage;

/// <summary>A blob as a listing shows it.</summary>
public sealed record BlobItem(string Name, long Length, ETag ETag, DateTimeOffset LastModified, BlobKind Kind, bool IsSealed);
