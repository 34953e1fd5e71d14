namespace Runnel.Storage;

/// <summary>A lease held on a blob. <see cref="Duration"/> is null for an infinite lease.</summary>
public readonly record struct BlobLease(string LeaseId, TimeSpan? Duration, DateTimeOffset ServerTime);
