using System.Numerics;

namespace Runnel.Storage;

/// <summary>
/// A decorator over any <see cref="IObjectStore"/> that injects what real stores do to callers: latency, transient
/// failures and throttling before a call reaches the store, and the nasty one, a lost response (the inner call
/// SUCCEEDS, the caller sees <see cref="StorageUnavailableException"/> with <see cref="RunnelException.IsOutcomeUnknown"/>).
/// </summary>
/// <remarks>
/// <para>Two modes, combinable. Programmed faults (<see cref="FailNext"/>) are exact: "the next 2 appends to names
/// under <c>topics/</c> are lost responses"; they take precedence. Random faults come from
/// <see cref="FaultInjectionOptions"/>: probabilities per operation from one seeded generator, so a single-threaded
/// sequence of calls meets the same faults on every run.</para>
/// <para>Injected faults are counted (<see cref="InjectedCount"/>). Faults carry a <see cref="StorageException.StoreErrorCode"/>
/// starting with <c>Injected</c> so a test can tell them from real ones. Thread-safe.</para>
/// </remarks>
public sealed class FaultInjectingObjectStore : IObjectStore
{
    private static readonly int OperationCount = BitOperations.PopCount((uint)StorageOperation.All);
    private static readonly int FaultKindCount = Enum.GetValues<StorageFaultKind>().Length;

    private readonly IObjectStore _inner;
    private readonly FaultInjectionOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly List<ProgrammedFault> _programmed = [];
    private readonly long[] _counts = new long[OperationCount * FaultKindCount];

    /// <summary>The store underneath: the same namespace, without faults.</summary>
    public IObjectStore Inner => _inner;

    /// <param name="inner">The store that does the work.</param>
    /// <param name="options">Random faults and latency; null for none (programmed faults only).</param>
    /// <param name="timeProvider">The clock latency is waited on. Default <see cref="TimeProvider.System"/>.</param>
    public FaultInjectingObjectStore(IObjectStore inner, FaultInjectionOptions? options = null, TimeProvider? timeProvider = null)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _options = options ?? new FaultInjectionOptions();
        _options.Default.Validate();
        foreach (var (operation, probabilities) in _options.Probabilities)
        {
            if (BitOperations.PopCount((uint)operation) != 1 || (operation & StorageOperation.All) != operation)
            {
                throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid fault probabilities key {operation}: it must be a single operation.");
            }

            probabilities.Validate();
        }

        if (_options.MinLatency < TimeSpan.Zero || _options.MaxLatency < _options.MinLatency)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid latency range [{_options.MinLatency}, {_options.MaxLatency}].");
        }

        _time = timeProvider ?? TimeProvider.System;
        _random = new Random(_options.Seed);
    }

    /// <summary>The next <paramref name="count"/> calls of <paramref name="operations"/> whose blob name (a listing's
    /// prefix) satisfies <paramref name="names"/> (any name when null) get <paramref name="kind"/>. Programmed faults
    /// are consumed in the order they were added.</summary>
    public void FailNext(int count, StorageOperation operations, StorageFaultKind kind, Func<string, bool>? names = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (operations == StorageOperation.None)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, "A programmed fault needs at least one operation.");
        }

        lock (_gate)
        {
            _programmed.Add(new ProgrammedFault(operations, kind, names) { Remaining = count });
        }
    }

    /// <summary>Drops every programmed fault not yet consumed.</summary>
    public void ClearProgrammedFaults()
    {
        lock (_gate)
        {
            _programmed.Clear();
        }
    }

    /// <summary>How many faults of <paramref name="kind"/> were injected into calls of <paramref name="operations"/>.</summary>
    public long InjectedCount(StorageFaultKind kind, StorageOperation operations = StorageOperation.All)
    {
        long total = 0;
        for (var i = 0; i < OperationCount; i++)
        {
            if (((int)operations & (1 << i)) != 0)
            {
                total += Interlocked.Read(ref _counts[(i * FaultKindCount) + (int)kind]);
            }
        }

        return total;
    }

    /// <summary>All faults injected so far.</summary>
    public long TotalInjected => Enum.GetValues<StorageFaultKind>().Sum(k => InjectedCount(k));

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.Get, name, () => _inner.GetAsync(name, range, cancellationToken), cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.GetProperties, name, () => _inner.GetPropertiesAsync(name, cancellationToken), cancellationToken);

    public ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.Put, name, () => _inner.PutAsync(name, content, condition, cancellationToken), cancellationToken);

    public async ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        await RunAsync(StorageOperation.Delete, name, async () => { await _inner.DeleteAsync(name, condition, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.List, prefix, () => _inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken), cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.CreateAppendBlob, name, () => _inner.CreateAppendBlobAsync(name, condition, cancellationToken), cancellationToken);

    public ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.AppendBlock, name, () => _inner.AppendBlockAsync(name, block, condition, cancellationToken), cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.Seal, name, () => _inner.SealAsync(name, condition, cancellationToken), cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.AcquireLease, name, () => _inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken), cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.RenewLease, name, () => _inner.RenewLeaseAsync(name, leaseId, cancellationToken), cancellationToken);

    public async ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        await RunAsync(StorageOperation.ReleaseLease, name, async () => { await _inner.ReleaseLeaseAsync(name, leaseId, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        RunAsync(StorageOperation.BreakLease, name, () => _inner.BreakLeaseAsync(name, breakPeriod, cancellationToken), cancellationToken);

    private async ValueTask<T> RunAsync<T>(StorageOperation operation, string name, Func<ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var (fault, latency) = Decide(operation, name);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _time, cancellationToken).ConfigureAwait(false);
        }

        switch (fault)
        {
            case StorageFaultKind.Unavailable:
                throw new StorageUnavailableException(name, $"injected fault: {operation} did not reach the store", isOutcomeUnknown: false, storeErrorCode: "InjectedUnavailable");
            case StorageFaultKind.Throttled:
                throw new StorageThrottledException(name, $"injected fault: {operation} was throttled", storeErrorCode: "InjectedThrottled");
            default:
                break;
        }

        var result = await call().ConfigureAwait(false);
        if (fault == StorageFaultKind.LostResponse)
        {
            throw new StorageUnavailableException(
                name,
                $"injected fault: {operation} succeeded in the store but its response was lost",
                isOutcomeUnknown: (operation & StorageOperation.Writes) != 0,
                storeErrorCode: "InjectedLostResponse");
        }

        return result;
    }

    private (StorageFaultKind? Fault, TimeSpan Latency) Decide(StorageOperation operation, string name)
    {
        StorageFaultKind? fault = null;
        TimeSpan latency;
        lock (_gate)
        {
            for (var i = 0; i < _programmed.Count; i++)
            {
                var programmed = _programmed[i];
                if ((programmed.Operations & operation) != 0 && (programmed.Names?.Invoke(name) ?? true))
                {
                    fault = programmed.Kind;
                    if (--programmed.Remaining == 0)
                    {
                        _programmed.RemoveAt(i);
                    }

                    break;
                }
            }

            if (fault is null)
            {
                var p = _options.Probabilities.GetValueOrDefault(operation, _options.Default);
                if (p.Unavailable + p.Throttled + p.LostResponse > 0)
                {
                    var draw = _random.NextDouble();
                    fault = draw < p.Unavailable ? StorageFaultKind.Unavailable
                        : draw < p.Unavailable + p.Throttled ? StorageFaultKind.Throttled
                        : draw < p.Unavailable + p.Throttled + p.LostResponse ? StorageFaultKind.LostResponse
                        : null;
                }
            }

            latency = _options.MaxLatency > TimeSpan.Zero
                ? _options.MinLatency + TimeSpan.FromTicks((long)(_random.NextDouble() * (_options.MaxLatency - _options.MinLatency).Ticks))
                : TimeSpan.Zero;
        }

        if (fault is { } kind)
        {
            var index = BitOperations.TrailingZeroCount((uint)operation);
            Interlocked.Increment(ref _counts[(index * FaultKindCount) + (int)kind]);
        }

        return (fault, latency);
    }

    private sealed class ProgrammedFault(StorageOperation operations, StorageFaultKind kind, Func<string, bool>? names)
    {
        public StorageOperation Operations { get; } = operations;

        public StorageFaultKind Kind { get; } = kind;

        public Func<string, bool>? Names { get; } = names;

        public int Remaining { get; set; }
    }
}
