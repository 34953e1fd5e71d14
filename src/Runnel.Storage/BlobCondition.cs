namespace Runnel.Storage;

/// <summary>
/// Conditions checked atomically with a write: <c>If-Match</c> (<see cref="IfMatch"/>),
/// <c>If-None-Match: *</c> (<see cref="IfNoneMatchAny"/>) and the lease id a leased blob demands.
/// The default value is unconditional.
/// </summary>
public readonly record struct BlobCondition(ETag? IfMatch = null, bool IfNoneMatchAny = false, string? LeaseId = null)
{
    /// <summary>No condition.</summary>
    public static BlobCondition None => default;

    /// <summary>Only if the blob does not exist (<c>If-None-Match: *</c>).</summary>
    public static BlobCondition IfNotExists => new(IfNoneMatchAny: true);

    /// <summary>Only if the blob exists with this ETag (<c>If-Match</c>).</summary>
    public static BlobCondition IfETagMatches(ETag etag) => new(IfMatch: etag);
}
