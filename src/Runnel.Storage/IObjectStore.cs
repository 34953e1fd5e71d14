namespace Runnel.Storage;

/// <summary>
/// A flat namespace of named blobs with Azure Blob Storage's semantics. Every consistency decision in
/// Runnel (membership, partition ownership, manifests, fencing) is made by the conditions on these calls,
/// so an implementation's whole job is to make each condition atomic with the write it guards.
/// </summary>
/// <remarks>
/// <para>Names are case-sensitive, 1–1,024 characters, '/'-separated (a '/' has no meaning to the store
/// beyond list prefixes); spaces and non-ASCII are allowed; empty segments, "." and ".." segments, a
/// leading '/' and '\' (which Azure reads as '/') are rejected with <see cref="RunnelErrorCode.InvalidArgument"/>.</para>
/// <para>Errors are typed (<see cref="StorageException"/> and its subclasses): not found, precondition failed,
/// sealed, conflict, throttled, unavailable. Implementations retry only transient failures and throttling,
/// never a failed precondition: that is a decision for the caller (on a partition's blobs it means
/// "you are no longer the owner").</para>
/// <para>Every result carries the store's own clock (<c>ServerTime</c>): liveness is judged on it, never on
/// the caller's clock.</para>
/// <para>Implementations are thread-safe. Each call is at least one storage round trip.</para>
/// </remarks>
public interface IObjectStore
{
    /// <summary>Reads a blob whole, or the bytes of <paramref name="range"/>. A range that starts at or past the
    /// end of the blob returns empty content; a range that runs past the end is cut at the end.
    /// The returned content is a new buffer owned by the caller.</summary>
    /// <exception cref="BlobNotFoundException">The blob does not exist.</exception>
    ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="GetAsync"/>, but the content may be read into a <see cref="Runnel.Buffers.PooledBuffer"/> (a
    /// store that reads into its own memory, like the file store, does; others return <see cref="GetAsync"/>'s
    /// content). Such content carries one reference, which passes to whoever holds the bytes last: release it (or hand
    /// it to a response writer) when no slice of it is used any more, or leave it to the GC.
    /// </summary>
    ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) =>
        GetAsync(name, range, cancellationToken);

    /// <summary>Reads a blob's properties (length, ETag, kind, sealed, lease) without its content.</summary>
    /// <exception cref="BlobNotFoundException">The blob does not exist.</exception>
    ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a block blob with <paramref name="content"/>, atomically: a reader sees the
    /// old content or the new, never a mix. The condition is checked atomically with the write.</summary>
    /// <exception cref="PreconditionFailedException">The condition did not hold (ETag changed, blob exists, lease missing).</exception>
    ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob (of either kind) if the condition holds.</summary>
    /// <exception cref="BlobNotFoundException">The blob does not exist.</exception>
    /// <exception cref="PreconditionFailedException">The condition did not hold.</exception>
    ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Lists blobs whose names start with <paramref name="prefix"/>, in ordinal name order, one page at a
    /// time. Pass the returned continuation token to get the next page; a null token means there are no more.</summary>
    ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default);

    /// <summary>Creates an empty append blob (replacing whatever is there, unless the condition says otherwise:
    /// use <see cref="BlobCondition.IfNotExists"/> to create only if absent).</summary>
    /// <exception cref="PreconditionFailedException">The condition did not hold.</exception>
    ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Appends one block (1 byte to <see cref="ObjectStoreLimits.MaxAppendBlockBytes"/>) to an append blob,
    /// atomically and durably: when this returns, the block is on stable storage. The conditions (append
    /// position, max size, ETag, lease) are checked atomically with the append.</summary>
    /// <exception cref="BlobNotFoundException">The blob does not exist.</exception>
    /// <exception cref="BlobSealedException">The blob is sealed.</exception>
    /// <exception cref="PreconditionFailedException">A condition did not hold (append position, max size, ETag, lease).</exception>
    /// <exception cref="StorageConflictException">The blob is not an append blob, or it already holds
    /// <see cref="ObjectStoreLimits.MaxBlocksPerAppendBlob"/> blocks.</exception>
    ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Seals an append blob: every later append fails with <see cref="BlobSealedException"/>.
    /// Idempotent: sealing a sealed blob succeeds. Sealing may change the ETag (Azure documents that it does not;
    /// Azurite 3.35.0 issues a new one on every seal): the result carries the ETag after sealing, and callers must not
    /// depend on an ETag read before the seal still matching after it.</summary>
    /// <exception cref="BlobNotFoundException">The blob does not exist.</exception>
    /// <exception cref="StorageConflictException">The blob is not an append blob.</exception>
    ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Acquires a lease on a blob for <paramref name="duration"/> (15–60 s) or forever (null).
    /// While leased, writes and deletes must carry the lease id (<see cref="BlobCondition.LeaseId"/>).
    /// Acquiring again with the current lease id renews it.</summary>
    /// <exception cref="StorageConflictException">Another lease is active.</exception>
    ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default);

    /// <summary>Renews a lease, also one that has expired as long as no one else has taken the blob since.</summary>
    /// <exception cref="StorageConflictException">The lease id does not match the blob's lease.</exception>
    ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease so another client may acquire one at once.</summary>
    /// <exception cref="StorageConflictException">The lease id does not match the blob's lease.</exception>
    ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default);

    /// <summary>Breaks the current lease without knowing its id, after <paramref name="breakPeriod"/> (0–60 s;
    /// null = the rest of the lease's duration). Returns the time left until it is broken.</summary>
    ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default);
}
