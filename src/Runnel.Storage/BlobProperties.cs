namespace Runnel.Storage;

/// <summary>What the store knows of a blob, and the store's clock when it answered.</summary>
/// <param name="Name">The blob's name.</param>
/// <param name="Length">The blob's whole length in bytes (not the length of a range read).</param>
/// <param name="ETag">Changes whenever content changes; sealing may change it too (see <see cref="IObjectStore.SealAsync"/>).</param>
/// <param name="LastModified">When the content last changed, on the store's clock.</param>
/// <param name="Kind">Block or append blob.</param>
/// <param name="IsSealed">True for a sealed append blob.</param>
/// <param name="CommittedBlockCount">Blocks in an append blob; 0 for a block blob.</param>
/// <param name="Lease">The blob's lease state.</param>
/// <param name="ServerTime">The store's clock when it answered.</param>
public sealed record BlobProperties(
    string Name,
    long Length,
    ETag ETag,
    DateTimeOffset LastModified,
    BlobKind Kind,
    bool IsSealed,
    int CommittedBlockCount,
    BlobLeaseState Lease,
    DateTimeOffset ServerTime);
