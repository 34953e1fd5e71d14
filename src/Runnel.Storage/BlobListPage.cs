namespace Runnel.Storage;

/// <summary>One page of a listing, in ordinal name order.</summary>
/// <param name="Items">The blobs on this page.</param>
/// <param name="ContinuationToken">Pass to the next <see cref="IObjectStore.ListAsync"/>; null when there are no more pages.</param>
/// <param name="ServerTime">The store's clock.</param>
public sealed record BlobListPage(IReadOnlyList<BlobItem> Items, string? ContinuationToken, DateTimeOffset ServerTime);
