using Runnel.Storage;

namespace Runnel.Log.Tests;

/// <summary>
/// A store in front of another that "kills the process" at a chosen call: the first call matching the armed rule
/// fails with <see cref="ProcessKilledException"/> (after reaching the store when the rule says the call lands, as a
/// response lost in a crash), and so does every call after it, from any caller. The store behind keeps whatever
/// landed, as a disk or Azure does when a silo dies under kill -9. <see cref="Before"/> lets a test hold a call at a
/// barrier. Thread-safe.
/// </summary>
internal sealed class CrashingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly Lock _gate = new();
    private Func<StorageOperation, string, bool>? _rule;
    private bool _lands;
    private volatile bool _dead;

    public IObjectStore Inner => inner;

    public bool IsDead => _dead;

    /// <summary>Awaited before every call reaches the store (or dies): a test's barrier.</summary>
    public Func<StorageOperation, string, Task>? Before { get; set; }

    /// <summary>The first call for which <paramref name="rule"/> holds kills the process; with <paramref name="lands"/>
    /// it reaches the store first.</summary>
    public void Arm(Func<StorageOperation, string, bool> rule, bool lands = false)
    {
        lock (_gate)
        {
            _rule = rule;
            _lands = lands;
        }
    }

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.Get, name, () => inner.GetAsync(name, range, cancellationToken));

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.GetProperties, name, () => inner.GetPropertiesAsync(name, cancellationToken));

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.Put, name, () => inner.PutAsync(name, content, condition, cancellationToken));

    public async ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        await RunAsync(StorageOperation.Delete, name, async () =>
        {
            await inner.DeleteAsync(name, condition, cancellationToken);
            return true;
        });

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.List, prefix, () => inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken));

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.CreateAppendBlob, name, () => inner.CreateAppendBlobAsync(name, condition, cancellationToken));

    public ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.AppendBlock, name, () => inner.AppendBlockAsync(name, block, condition, cancellationToken));

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.Seal, name, () => inner.SealAsync(name, condition, cancellationToken));

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.AcquireLease, name, () => inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken));

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.RenewLease, name, () => inner.RenewLeaseAsync(name, leaseId, cancellationToken));

    public async ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        await RunAsync(StorageOperation.ReleaseLease, name, async () =>
        {
            await inner.ReleaseLeaseAsync(name, leaseId, cancellationToken);
            return true;
        });

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.BreakLease, name, () => inner.BreakLeaseAsync(name, breakPeriod, cancellationToken));

    private async ValueTask<T> RunAsync<T>(StorageOperation operation, string name, Func<ValueTask<T>> call)
    {
        if (Before is { } before)
        {
            await before(operation, name);
        }

        bool trips, lands;
        lock (_gate)
        {
            trips = !_dead && _rule is not null && _rule(operation, name);
            lands = _lands;
            if (trips)
            {
                _rule = null;
                if (!lands)
                {
                    _dead = true;
                }
            }
        }

        if (_dead)
        {
            throw new ProcessKilledException($"{operation} {name}: the process is dead");
        }

        var result = await call();
        if (trips)
        {
            _dead = true;
            throw new ProcessKilledException($"{operation} {name} landed, then the process died");
        }

        return result;
    }
}

/// <summary>What a call meets once <see cref="CrashingObjectStore"/> killed the "process": not a storage error, so
/// nothing retries it.</summary>
internal sealed class ProcessKilledException(string message) : Exception(message);
