using Runnel.Storage;

namespace Runnel.Testing;

/// <summary>An <see cref="IObjectStore"/> that passes every call to <see cref="Inner"/>: a test's recording or counting
/// store overrides the calls it watches.</summary>
public abstract class ForwardingObjectStore(IObjectStore inner) : IObjectStore
{
    protected IObjectStore Inner { get; } = inner;

    public virtual ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) => Inner.GetAsync(name, range, cancellationToken);

    public virtual ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) => Inner.GetPooledAsync(name, range, cancellationToken);

    public virtual ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => Inner.GetPropertiesAsync(name, cancellationToken);

    public virtual ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) => Inner.PutAsync(name, content, condition, cancellationToken);

    public virtual ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Inner.DeleteAsync(name, condition, cancellationToken);

    public virtual ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) => Inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public virtual ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Inner.CreateAppendBlobAsync(name, condition, cancellationToken);

    public virtual ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) => Inner.AppendBlockAsync(name, block, condition, cancellationToken);

    public virtual ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Inner.SealAsync(name, condition, cancellationToken);

    public virtual ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) => Inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public virtual ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => Inner.RenewLeaseAsync(name, leaseId, cancellationToken);

    public virtual ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => Inner.ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public virtual ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) => Inner.BreakLeaseAsync(name, breakPeriod, cancellationToken);
}
