using Runnel.Storage;

namespace Runnel.TestingHost;

/// <summary>
/// A switch in front of a store: while closed, every call fails at once with <see cref="StorageUnavailableException"/>
/// (store error code <c>GateClosed</c>) without reaching the store, as if the network to the store were cut. A call
/// already inside the store when the gate closes completes normally. Thread-safe.
/// </summary>
public sealed class GatedObjectStore(IObjectStore inner) : IObjectStore
{
    private volatile bool _closed;

    /// <summary>The store behind the gate.</summary>
    public IObjectStore Inner => inner;

    /// <summary>True while calls are refused.</summary>
    public bool IsClosed
    {
        get => _closed;
        set => _closed = value;
    }

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobContent>(Closed(name)) : inner.GetAsync(name, range, cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobProperties>(Closed(name)) : inner.GetPropertiesAsync(name, cancellationToken);

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobWriteResult>(Closed(name)) : inner.PutAsync(name, content, condition, cancellationToken);

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed(name);
        return inner.DeleteAsync(name, condition, cancellationToken);
    }

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobListPage>(Closed(prefix)) : inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobWriteResult>(Closed(name)) : inner.CreateAppendBlobAsync(name, condition, cancellationToken);

    public ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<AppendResult>(Closed(name)) : inner.AppendBlockAsync(name, block, condition, cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobWriteResult>(Closed(name)) : inner.SealAsync(name, condition, cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobLease>(Closed(name)) : inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<BlobLease>(Closed(name)) : inner.RenewLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed(name);
        return inner.ReleaseLeaseAsync(name, leaseId, cancellationToken);
    }

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        _closed ? ValueTask.FromException<TimeSpan>(Closed(name)) : inner.BreakLeaseAsync(name, breakPeriod, cancellationToken);

    private void ThrowIfClosed(string name)
    {
        if (_closed)
        {
            throw Closed(name);
        }
    }

    private static StorageUnavailableException Closed(string name) =>
        new(name, "the store is unreachable from this silo (test gate closed)", isOutcomeUnknown: false, storeErrorCode: "GateClosed");
}
