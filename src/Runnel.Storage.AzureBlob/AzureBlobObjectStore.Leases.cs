using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Runnel.Storage.AzureBlob;

/// <content>Lease Blob: acquire, renew, release, break.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <summary>Azure's bounds on a finite lease.</summary>
    private static readonly TimeSpan MinLeaseDuration = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan MaxLeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>Leases acquired through this store, so a renewal can report the duration (the service does not
    /// say). Bounded: when full it is cleared, and renewals fall back to asking the service.</summary>
    private const int MaxRememberedLeases = 10_000;

    /// <inheritdoc/>
    /// <remarks>One Lease Blob (acquire) request. When no id is proposed this store proposes a new GUID, so a
    /// repeat after a lost response renews the same lease instead of conflicting with it: acquire is retried
    /// like a read. Azure wants lease ids in GUID form.</remarks>
    public async ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (duration is { } d && (d < MinLeaseDuration || d > MaxLeaseDuration || d.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid lease duration {d} for blob '{name}': it is whole seconds, 15–60, or null for infinite.");
        }

        var lease = _container.GetBlobClient(name).GetBlobLeaseClient(proposedLeaseId ?? Guid.NewGuid().ToString());
        var response = await SendAsync(
            name,
            RequestKind.IdempotentWrite,
            ct => lease.AcquireAsync(duration ?? BlobLeaseClient.InfiniteLeaseDuration, conditions: null, ct),
            cancellationToken).ConfigureAwait(false);

        var acquired = response.Value.LeaseId;
        if (_leaseDurations.Count >= MaxRememberedLeases)
        {
            _leaseDurations.Clear();
        }

        _leaseDurations[acquired] = duration;
        return new BlobLease(acquired, duration, ServerTime(response.GetRawResponse(), name));
    }

    /// <inheritdoc/>
    /// <remarks>One Lease Blob (renew) request, retried like a read. The duration reported is the one this
    /// store acquired the lease with; for a lease acquired elsewhere a properties request tells infinite from
    /// finite, and a finite one is reported as the 15 s minimum (an under-estimate is the safe side for a
    /// holder judging how long it owns the blob).</remarks>
    public async ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        var lease = _container.GetBlobClient(name).GetBlobLeaseClient(leaseId);
        var response = await SendAsync(name, RequestKind.IdempotentWrite, ct => lease.RenewAsync(conditions: null, ct), cancellationToken).ConfigureAwait(false);
        var serverTime = ServerTime(response.GetRawResponse(), name);
        if (!_leaseDurations.TryGetValue(leaseId, out var duration))
        {
            var blob = _container.GetBlobClient(name);
            var properties = await SendAsync(name, RequestKind.Read, ct => blob.GetPropertiesAsync(conditions: null, ct), cancellationToken).ConfigureAwait(false);
            duration = properties.Value.LeaseDuration == LeaseDurationType.Infinite ? null : MinLeaseDuration;
        }

        return new BlobLease(leaseId, duration, serverTime);
    }

    /// <inheritdoc/>
    /// <remarks>One Lease Blob (release) request; not retried once it may have been sent (a repeat of a
    /// release that worked reports a conflict).</remarks>
    public async ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        var lease = _container.GetBlobClient(name).GetBlobLeaseClient(leaseId);
        await SendAsync(name, RequestKind.AtMostOnceWrite, ct => lease.ReleaseAsync(conditions: null, ct), cancellationToken).ConfigureAwait(false);
        _leaseDurations.TryRemove(leaseId, out _);
    }

    /// <inheritdoc/>
    /// <remarks>One Lease Blob (break) request, retried like a read (breaking a breaking or broken lease
    /// succeeds). A break period is whole seconds, 0–60.</remarks>
    public async ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (breakPeriod is { } p && (p < TimeSpan.Zero || p > MaxLeaseDuration || p.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid break period {p} for blob '{name}': it is whole seconds, 0–60, or null for the rest of the lease.");
        }

        var lease = _container.GetBlobClient(name).GetBlobLeaseClient();
        var response = await SendAsync(name, RequestKind.IdempotentWrite, ct => lease.BreakAsync(breakPeriod, conditions: null, ct), cancellationToken).ConfigureAwait(false);
        return TimeSpan.FromSeconds(response.Value.LeaseTime ?? throw new StorageUnavailableException(name, "the break response has no lease time", isOutcomeUnknown: false));
    }
}
