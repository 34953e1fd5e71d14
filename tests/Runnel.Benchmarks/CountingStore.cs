using Runnel.Storage;

namespace Runnel.Benchmarks;

/// <summary>An <see cref="IObjectStore"/> decorator that counts append blocks, so a benchmark can report how well group
/// commit packed appends into storage writes.</summary>
internal sealed class CountingStore(IObjectStore inner) : IObjectStore
{
    private readonly List<int> _blockBytes = [];
    private long _appends;
    private long _appendTicks;

    public long Appends => Interlocked.Read(ref _appends);

    /// <summary>Total time spent inside the inner store's append (the storage-bound share of a run).</summary>
    public TimeSpan AppendTime => TimeSpan.FromTicks(Interlocked.Read(ref _appendTicks));

    /// <summary>The sizes of the blocks appended so far, in order, from <paramref name="first"/> on (0-based).</summary>
    public int[] BlockSizes(long first)
    {
        lock (_blockBytes)
        {
            return _blockBytes.Skip((int)first).ToArray();
        }
    }

    public async ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _appends);
        lock (_blockBytes)
        {
            _blockBytes.Add(block.Length);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await inner.AppendBlockAsync(name, block, condition, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _appendTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
        }
    }

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) => inner.GetAsync(name, range, cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(name, cancellationToken);

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.PutAsync(name, content, condition, cancellationToken);

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, condition, cancellationToken);

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.CreateAppendBlobAsync(name, condition, cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.SealAsync(name, condition, cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) => inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => inner.ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) => inner.BreakLeaseAsync(name, breakPeriod, cancellationToken);
}
