using Runnel.Storage.Internal;

namespace Runnel.Storage;

/// <summary>Leases, with Azure's state machine (available, leased, expired, breaking, broken), kept in the blob's
/// metadata and judged on the store's clock. Lease operations do not change the ETag.</summary>
public sealed partial class FileObjectStore
{
    private static readonly TimeSpan MinLeaseDuration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan MaxLeaseDuration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxBreakPeriod = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public async ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (duration is { } d && (d < MinLeaseDuration || d > MaxLeaseDuration))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid lease duration {d.TotalSeconds} s for blob '{name}': a lease lasts 15 to 60 s, or forever (null).");
        }

        if (proposedLeaseId is not null && !Guid.TryParse(proposedLeaseId, out _))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid proposed lease id '{proposedLeaseId}' for blob '{name}': a lease id is a GUID.");
        }

        return await UpdateLeaseAsync(name, "acquire lease", (meta, now) =>
        {
            var state = meta.LeaseStateAt(now);
            if (state == BlobLeaseState.Breaking)
            {
                throw new StorageConflictException(name, "the blob's lease is breaking and cannot be acquired until it is broken");
            }

            if (state == BlobLeaseState.Leased && !string.Equals(proposedLeaseId, meta.LeaseId, StringComparison.OrdinalIgnoreCase))
            {
                throw new StorageConflictException(name, "the blob is leased by someone else");
            }

            var leaseId = state == BlobLeaseState.Leased ? meta.LeaseId! : proposedLeaseId ?? Guid.NewGuid().ToString();
            return (Leased(meta, leaseId, duration, now), new BlobLease(leaseId, duration, now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentNullException.ThrowIfNull(leaseId);
        return await UpdateLeaseAsync(name, "renew lease", (meta, now) =>
        {
            RequireLeaseId(name, meta, leaseId);
            var state = meta.LeaseStateAt(now);
            if (state is BlobLeaseState.Breaking or BlobLeaseState.Broken)
            {
                throw new StorageConflictException(name, $"the lease is {state.ToString().ToLowerInvariant()} and cannot be renewed");
            }

            var duration = meta.LeaseDurationTicks is { } ticks ? TimeSpan.FromTicks(ticks) : (TimeSpan?)null;
            return (Leased(meta, meta.LeaseId!, duration, now), new BlobLease(meta.LeaseId!, duration, now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentNullException.ThrowIfNull(leaseId);
        await UpdateLeaseAsync(name, "release lease", (meta, now) =>
        {
            RequireLeaseId(name, meta, leaseId);
            return (meta.WithoutLease(), 0);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (breakPeriod is { } p && (p < TimeSpan.Zero || p > MaxBreakPeriod))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid break period {p.TotalSeconds} s for blob '{name}': it is 0 to 60 s, or null for the rest of the lease.");
        }

        return await UpdateLeaseAsync(name, "break lease", (meta, now) =>
        {
            var state = meta.LeaseStateAt(now);
            switch (state)
            {
                case BlobLeaseState.Available:
                    throw new StorageConflictException(name, "the blob has no lease to break");
                case BlobLeaseState.Broken:
                    return (meta, TimeSpan.Zero);
                case BlobLeaseState.Expired:
                    return (meta with { LeaseBrokenAtUtcTicks = now.UtcTicks }, TimeSpan.Zero);
                case BlobLeaseState.Breaking:
                {
                    var current = TimeSpan.FromTicks(meta.LeaseBrokenAtUtcTicks!.Value - now.UtcTicks);
                    var left = breakPeriod is { } shorter && shorter < current ? shorter : current;
                    return (meta with { LeaseBrokenAtUtcTicks = now.UtcTicks + left.Ticks }, left);
                }

                default:
                {
                    // Leased: break after the period asked, but never later than the lease would have expired.
                    var remaining = meta.LeaseDurationTicks is null ? (TimeSpan?)null : TimeSpan.FromTicks(meta.LeaseExpiresUtcTicks - now.UtcTicks);
                    var left = (breakPeriod, remaining) switch
                    {
                        (null, null) => TimeSpan.Zero,
                        (null, { } r) => r,
                        ({ } b, null) => b,
                        ({ } b, { } r) => b < r ? b : r,
                    };
                    return (meta with { LeaseBrokenAtUtcTicks = now.UtcTicks + left.Ticks }, left);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private static BlobMetadata Leased(BlobMetadata meta, string leaseId, TimeSpan? duration, DateTimeOffset now) => meta with
    {
        LeaseId = leaseId,
        LeaseDurationTicks = duration?.Ticks,
        LeaseExpiresUtcTicks = duration is { } d ? now.UtcTicks + d.Ticks : 0,
        LeaseBrokenAtUtcTicks = null,
    };

    private static void RequireLeaseId(string name, BlobMetadata meta, string leaseId)
    {
        if (meta.LeaseId is null)
        {
            throw new StorageConflictException(name, "the blob has no lease");
        }

        if (!string.Equals(meta.LeaseId, leaseId, StringComparison.OrdinalIgnoreCase))
        {
            throw new StorageConflictException(name, $"lease id {leaseId} is not the blob's lease");
        }
    }

    /// <summary>Reads the blob's metadata under its lock, applies <paramref name="update"/> and commits the result
    /// when it changed.</summary>
    private async ValueTask<T> UpdateLeaseAsync<T>(string name, string operation, Func<BlobMetadata, DateTimeOffset, (BlobMetadata Next, T Result)> update, CancellationToken cancellationToken)
    {
        var directory = BlobPaths.BlobDirectory(_blobsRoot, name);
        using var held = await _locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            var pointer = ReadPointer(directory, name) ?? throw new BlobNotFoundException(name);
            if (pointer.Kind == BlobKind.Append)
            {
                // An append blob's lease lives in the head of its data file, with the rest of its state.
                using var blob = OpenForAppend(directory, name, "it is a block blob");
                var (nextState, appendResult) = update(blob.Head.Meta, _time.GetUtcNow());
                if (!ReferenceEquals(nextState, blob.Head.Meta) && nextState != blob.Head.Meta)
                {
                    CommitSlot(blob, nextState, blob.Head.Slot.LastBlock);
                }

                return appendResult;
            }

            var (next, result) = update(pointer, _time.GetUtcNow());
            if (!ReferenceEquals(next, pointer) && next != pointer)
            {
                WriteMeta(directory, next);
            }

            return result;
        }
        catch (Exception ex) when (IsFileSystemFailure(ex))
        {
            throw Unavailable(name, operation, ex, isWrite: true);
        }
    }
}
