using Runnel.Storage;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// A pass-through store whose target a test can change (<see cref="Target"/>): the store a long-lived silo reaches, so
/// that each test meets it on a fresh store of its own (<see cref="SharedGrainsCluster"/>). Not disposable: it owns
/// none of its targets.
/// </summary>
public sealed class SwitchableObjectStore : IObjectStore
{
    private volatile IObjectStore? _target;

    /// <summary>Where every call goes; a call with none set fails.</summary>
    public IObjectStore Target
    {
        get => _target ?? throw new InvalidOperationException("No store is attached.");
        set => _target = value;
    }

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) => Target.GetAsync(name, range, cancellationToken);

    public ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) => Target.GetPooledAsync(name, range, cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => Target.GetPropertiesAsync(name, cancellationToken);

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        Target.PutAsync(name, content, condition, cancellationToken);

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Target.DeleteAsync(name, condition, cancellationToken);

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        Target.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        Target.CreateAppendBlobAsync(name, condition, cancellationToken);

    public ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        Target.AppendBlockAsync(name, block, condition, cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Target.SealAsync(name, condition, cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        Target.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => Target.RenewLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => Target.ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        Target.BreakLeaseAsync(name, breakPeriod, cancellationToken);
}
