using System.Text.Json.Serialization;

namespace Runnel.Storage.Internal;

/// <summary>
/// What the file store commits about one blob (JSON): in the blob directory's <c>meta</c> file for a block blob, in
/// the slots at the head of the data file for an append blob (whose <c>meta</c> then only names that data file).
/// Either place is a two-slot, CRC'd commit point (Internal/MetaFile.cs, Internal/AppendBlobHead.cs): a reader or a
/// restarted process sees the old metadata or the new, and trusts <see cref="Length"/> over the data file's size
/// (bytes past it are an append that was never acknowledged).
/// </summary>
internal sealed record BlobMetadata
{
    /// <summary>2: an append blob's state is in its data file's head and its content starts after that head.
    /// 1: everything in <c>meta</c>, content from offset 0; still read for block blobs (same layout), refused for
    /// append blobs.</summary>
    public const int CurrentVersion = 2;

    public required int Version { get; init; }

    /// <summary>The blob's name (the path encodes it too; this is the check).</summary>
    public required string Name { get; init; }

    public required BlobKind Kind { get; init; }

    /// <summary>Random per creation of the blob (after a delete, or the first time), so an ETag from a deleted
    /// blob never matches a re-created one.</summary>
    public required ulong Incarnation { get; init; }

    /// <summary>Incremented by every content change; with <see cref="Incarnation"/> it is the ETag.</summary>
    public required long Generation { get; init; }

    /// <summary>The data file in the blob directory holding the content.</summary>
    public required string DataFile { get; init; }

    /// <summary>Committed length in bytes: readers read no further.</summary>
    public required long Length { get; init; }

    public required int BlockCount { get; init; }

    public required bool IsSealed { get; init; }

    public required long LastModifiedUtcTicks { get; init; }

    /// <summary>The lease id, or null when the blob has never been leased or its lease was released.</summary>
    public string? LeaseId { get; init; }

    /// <summary>The lease's duration; null for an infinite lease.</summary>
    public long? LeaseDurationTicks { get; init; }

    /// <summary>When a finite lease expires (UTC ticks on the store's clock).</summary>
    public long LeaseExpiresUtcTicks { get; init; }

    /// <summary>When a broken lease is (or was) broken (UTC ticks); null unless the lease was broken.</summary>
    public long? LeaseBrokenAtUtcTicks { get; init; }

    [JsonIgnore]
    public ETag ETag => new($"{Generation}-{Incarnation:x16}");

    [JsonIgnore]
    public DateTimeOffset LastModified => new(LastModifiedUtcTicks, TimeSpan.Zero);

    /// <summary>The lease state at <paramref name="now"/> on the store's clock.</summary>
    public BlobLeaseState LeaseStateAt(DateTimeOffset now)
    {
        if (LeaseId is null)
        {
            return BlobLeaseState.Available;
        }

        if (LeaseBrokenAtUtcTicks is { } brokenAt)
        {
            return now.UtcTicks < brokenAt ? BlobLeaseState.Breaking : BlobLeaseState.Broken;
        }

        if (LeaseDurationTicks is null)
        {
            return BlobLeaseState.Leased;
        }

        return now.UtcTicks < LeaseExpiresUtcTicks ? BlobLeaseState.Leased : BlobLeaseState.Expired;
    }

    /// <summary>This metadata without a lease.</summary>
    public BlobMetadata WithoutLease() => this with
    {
        LeaseId = null,
        LeaseDurationTicks = null,
        LeaseExpiresUtcTicks = 0,
        LeaseBrokenAtUtcTicks = null,
    };
}
