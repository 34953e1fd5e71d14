using Runnel.Storage;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// A pass-through store that counts append blocks and can hold them at a gate. It does not own the store it wraps (it
/// is not disposable), so a test can stop a silo and start another on the same store.
/// </summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _release;
    private TaskCompletionSource? _held;
    private int _appends;

    public IObjectStore Inner => inner;

    /// <summary>Append blocks written so far.</summary>
    public int Appends => Volatile.Read(ref _appends);

    /// <summary>Makes the next append block wait until <see cref="ReleaseAppends"/>; the returned task completes when
    /// one has arrived at the gate.</summary>
    public Task HoldAppends()
    {
        lock (_gate)
        {
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _held.Task;
        }
    }

    public void ReleaseAppends()
    {
        lock (_gate)
        {
            _release?.TrySetResult();
            _release = null;
        }
    }

    public async ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default)
    {
        Task release;
        lock (_gate)
        {
            release = _release?.Task ?? Task.CompletedTask;
            _held?.TrySetResult();
        }

        await release.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Interlocked.Increment(ref _appends);
        return await inner.AppendBlockAsync(name, block, condition, cancellationToken);
    }

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) => inner.GetAsync(name, range, cancellationToken);

    public ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) => inner.GetPooledAsync(name, range, cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(name, cancellationToken);

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        inner.PutAsync(name, content, condition, cancellationToken);

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, condition, cancellationToken);

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        inner.CreateAppendBlobAsync(name, condition, cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.SealAsync(name, condition, cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => inner.ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        inner.BreakLeaseAsync(name, breakPeriod, cancellationToken);
}
