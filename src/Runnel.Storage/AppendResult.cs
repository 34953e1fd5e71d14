namespace Runnel.Storage;

/// <summary>The outcome of an append.</summary>
/// <param name="AppendOffset">Where the block landed: the blob's length before the append.</param>
/// <param name="CommittedBlockCount">Blocks in the blob after the append.</param>
/// <param name="ETag">The blob's new ETag.</param>
/// <param name="ServerTime">The store's clock.</param>
public readonly record struct AppendResult(long AppendOffset, int CommittedBlockCount, ETag ETag, DateTimeOffset ServerTime);
