using System.Diagnostics;

namespace Runnel.Storage;

/// <summary>
/// A decorator over any <see cref="IObjectStore"/> that records each call's duration and failures in
/// <see cref="StorageInstruments"/>. Adds no behaviour: results and exceptions pass through unchanged, and pooled reads
/// stay pooled. Thread-safe as the inner store is.
/// </summary>
public sealed class InstrumentedObjectStore : IObjectStore
{
    private static readonly KeyValuePair<string, object?>[] OperationTags =
        Enum.GetValues<StorageOperation>().Where(o => o != StorageOperation.None && BitCount(o) == 1)
            .Select(o => KeyValuePair.Create("operation", (object?)o.ToString())).ToArray();

    private readonly IObjectStore _inner;
    private readonly StorageInstruments _instruments;

    public InstrumentedObjectStore(IObjectStore inner, StorageInstruments instruments)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _instruments = instruments ?? throw new ArgumentNullException(nameof(instruments));
    }

    /// <summary>The store that does the work.</summary>
    public IObjectStore Inner => _inner;

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.Get, (name, range, cancellationToken), static (store, a) => store.GetAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.Get, (name, range, cancellationToken), static (store, a) => store.GetPooledAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.GetProperties, (name, cancellationToken), static (store, a) => store.GetPropertiesAsync(a.Item1, a.Item2));

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.Put, (name, content, condition, cancellationToken), static (store, a) => store.PutAsync(a.Item1, a.Item2, a.Item3, a.Item4));

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.Delete, (name, condition, cancellationToken), static (store, a) => store.DeleteAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.List, (prefix, continuationToken, pageSize, cancellationToken), static (store, a) => store.ListAsync(a.Item1, a.Item2, a.Item3, a.Item4));

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.CreateAppendBlob, (name, condition, cancellationToken), static (store, a) => store.CreateAppendBlobAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.AppendBlock, (name, block, condition, cancellationToken), static (store, a) => store.AppendBlockAsync(a.Item1, a.Item2, a.Item3, a.Item4));

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.Seal, (name, condition, cancellationToken), static (store, a) => store.SealAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.AcquireLease, (name, duration, proposedLeaseId, cancellationToken), static (store, a) => store.AcquireLeaseAsync(a.Item1, a.Item2, a.Item3, a.Item4));

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.RenewLease, (name, leaseId, cancellationToken), static (store, a) => store.RenewLeaseAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.ReleaseLease, (name, leaseId, cancellationToken), static (store, a) => store.ReleaseLeaseAsync(a.Item1, a.Item2, a.Item3));

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        MeasureAsync(StorageOperation.BreakLease, (name, breakPeriod, cancellationToken), static (store, a) => store.BreakLeaseAsync(a.Item1, a.Item2, a.Item3));

    /// <summary>Times <paramref name="call"/> on the inner store from before it starts (work it does synchronously, and
    /// a synchronous throw, count too) to its completion. <paramref name="state"/> carries the arguments, so the static
    /// lambdas capture nothing; a synchronous completion allocates nothing.</summary>
    private ValueTask<T> MeasureAsync<TState, T>(StorageOperation operation, TState state, Func<IObjectStore, TState, ValueTask<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        ValueTask<T> pending;
        try
        {
            pending = call(_inner, state);
        }
        catch (Exception ex)
        {
            Record(operation, started, ex);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Record(operation, started, null);
            return pending;
        }

        return SlowAsync(this, operation, started, pending);

        static async ValueTask<T> SlowAsync(InstrumentedObjectStore store, StorageOperation operation, long started, ValueTask<T> pending)
        {
            try
            {
                var result = await pending.ConfigureAwait(false);
                store.Record(operation, started, null);
                return result;
            }
            catch (Exception ex)
            {
                store.Record(operation, started, ex);
                throw;
            }
        }
    }

    private ValueTask MeasureAsync<TState>(StorageOperation operation, TState state, Func<IObjectStore, TState, ValueTask> call)
    {
        var started = Stopwatch.GetTimestamp();
        ValueTask pending;
        try
        {
            pending = call(_inner, state);
        }
        catch (Exception ex)
        {
            Record(operation, started, ex);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Record(operation, started, null);
            return pending;
        }

        return SlowAsync(this, operation, started, pending);

        static async ValueTask SlowAsync(InstrumentedObjectStore store, StorageOperation operation, long started, ValueTask pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
                store.Record(operation, started, null);
            }
            catch (Exception ex)
            {
                store.Record(operation, started, ex);
                throw;
            }
        }
    }

    private void Record(StorageOperation operation, long started, Exception? error)
    {
        var tag = OperationTags[System.Numerics.BitOperations.TrailingZeroCount((uint)operation)];
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (error is null)
        {
            _instruments.Duration.Record(seconds, tag);
            return;
        }

        var errorType = KeyValuePair.Create("error.type", (object?)error.GetType().Name);
        _instruments.Duration.Record(seconds, tag, errorType);
        _instruments.Errors.Add(1, tag, errorType);
    }

    private static int BitCount(StorageOperation operation) => System.Numerics.BitOperations.PopCount((uint)operation);
}
