using Runnel.Storage;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// A pass-through store that counts append blocks, can hold them at a gate, and can be cut off as a killed process's
/// store is (<see cref="Sever"/>). It does not own the store it wraps (it is not disposable), so a test can stop a silo
/// and start another on the same store.
/// </summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _release;
    private TaskCompletionSource? _held;
    private TaskCompletionSource<Exception?> _heldOutcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _appends;
    private volatile bool _severed;

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
            _heldOutcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _held.Task;
        }
    }

    /// <summary>How the first append that waited at the gate ended once released: null when it landed, otherwise the
    /// store's refusal.</summary>
    public Task<Exception?> HeldAppendOutcome
    {
        get
        {
            lock (_gate)
            {
                return _heldOutcome.Task;
            }
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

    /// <summary>From now on every call fails without reaching the store, as nothing a killed process sends lands; an
    /// append held at the gate stays held until <see cref="ReleaseAppends"/>, and then lands (a write that was already
    /// on its way).</summary>
    public void Sever() => _severed = true;

    public async ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default)
    {
        _ = Live(name);
        Task release;
        TaskCompletionSource<Exception?>? outcome = null;
        lock (_gate)
        {
            release = _release?.Task ?? Task.CompletedTask;
            if (_release is not null)
            {
                outcome = _heldOutcome;
            }

            _held?.TrySetResult();
        }

        await release.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        Interlocked.Increment(ref _appends);
        try
        {
            var appended = await inner.AppendBlockAsync(name, block, condition, cancellationToken);
            outcome?.TrySetResult(null);
            return appended;
        }
        catch (Exception ex)
        {
            outcome?.TrySetResult(ex);
            throw;
        }
    }

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) => Live(name).GetAsync(name, range, cancellationToken);

    public ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) => Live(name).GetPooledAsync(name, range, cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => Live(name).GetPropertiesAsync(name, cancellationToken);

    /// <summary>Runs before each block-blob write (<see cref="PutAsync"/>) with the blob's name: it may throw (the write
    /// then fails without reaching the store, as a process killed just before it) or write something itself first (a
    /// racing writer). Null: none.</summary>
    public Func<string, ValueTask>? BeforePut { get; set; }

    public async ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        if (BeforePut is { } hook)
        {
            await hook(name);
        }

        return await Live(name).PutAsync(name, content, condition, cancellationToken);
    }

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Live(name).DeleteAsync(name, condition, cancellationToken);

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        Live(prefix).ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        Live(name).CreateAppendBlobAsync(name, condition, cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => Live(name).SealAsync(name, condition, cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        Live(name).AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => Live(name).RenewLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => Live(name).ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        Live(name).BreakLeaseAsync(name, breakPeriod, cancellationToken);

    /// <summary>The store, or the failure a severed caller gets.</summary>
    private IObjectStore Live(string name) =>
        _severed ? throw new StorageUnavailableException(name, "the store was severed (nothing a killed process sends lands)", isOutcomeUnknown: false) : inner;
}
