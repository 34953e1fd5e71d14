using System.Globalization;
using Azure.Core;
using Runnel.Storage.Azure.Internal;

namespace Runnel.Storage.Azure;

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

        var leaseId = proposedLeaseId ?? Guid.NewGuid().ToString();
        HttpMessage Create()
        {
            var message = CreateLeaseMessage(name, "acquire", RequestKind.IdempotentWrite);
            var seconds = duration is { } value ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) : "-1";
            message.Request.Headers.SetValue(BlobHeaders.LeaseDuration, seconds);
            message.Request.Headers.SetValue(BlobHeaders.ProposedLeaseId, leaseId);
            return message;
        }

        using var message = await SendAsync(Create, name, RequestKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 201)
        {
            throw Translate(message, name, RequestKind.IdempotentWrite);
        }

        var acquired = RequiredHeader(response, BlobHeaders.LeaseId, name);
        if (_leaseDurations.Count >= MaxRememberedLeases)
        {
            _leaseDurations.Clear();
        }

        _leaseDurations[acquired] = duration;
        return new BlobLease(acquired, duration, ServerTime(response, name));
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
        using var message = await SendAsync(() => CreateLeaseMessage(name, "renew", RequestKind.IdempotentWrite, leaseId), name, RequestKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw Translate(message, name, RequestKind.IdempotentWrite);
        }

        var serverTime = ServerTime(response, name);
        if (!_leaseDurations.TryGetValue(leaseId, out var duration))
        {
            duration = await LeaseDurationFromServiceAsync(name, cancellationToken).ConfigureAwait(false);
        }

        return new BlobLease(leaseId, duration, serverTime);
    }

    private async ValueTask<TimeSpan?> LeaseDurationFromServiceAsync(string name, CancellationToken cancellationToken)
    {
        using var message = await SendAsync(() => CreateMessage(RequestMethod.Head, name, query: null, RequestKind.Read), name, RequestKind.Read, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 200)
        {
            throw Translate(message, name, RequestKind.Read);
        }

        return message.Response.Headers.TryGetValue(BlobHeaders.LeaseDuration, out var value) && value == "infinite" ? null : MinLeaseDuration;
    }

    /// <inheritdoc/>
    /// <remarks>One Lease Blob (release) request; not retried once it may have been sent (a repeat of a
    /// release that worked reports a conflict).</remarks>
    public async ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        using var message = await SendAsync(() => CreateLeaseMessage(name, "release", RequestKind.NonIdempotentWrite, leaseId), name, RequestKind.NonIdempotentWrite, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 200)
        {
            throw Translate(message, name, RequestKind.NonIdempotentWrite);
        }

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

        HttpMessage Create()
        {
            var message = CreateLeaseMessage(name, "break", RequestKind.IdempotentWrite);
            if (breakPeriod is { } period)
            {
                message.Request.Headers.SetValue(BlobHeaders.LeaseBreakPeriod, ((long)period.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            }

            return message;
        }

        using var message = await SendAsync(Create, name, RequestKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 202)
        {
            throw Translate(message, name, RequestKind.IdempotentWrite);
        }

        return TimeSpan.FromSeconds(RequiredLong(response, BlobHeaders.LeaseTime, name));
    }

    private HttpMessage CreateLeaseMessage(string name, string action, RequestKind kind, string? leaseId = null)
    {
        var message = CreateMessage(RequestMethod.Put, name, "comp=lease", kind);
        message.Request.Headers.SetValue(BlobHeaders.LeaseAction, action);
        if (leaseId is not null)
        {
            message.Request.Headers.SetValue(BlobHeaders.LeaseId, leaseId);
        }

        return message;
    }
}
