using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.EndToEnd.Tests;

/// <summary>
/// One silo's view of the shared store: its own seeded faults (<see cref="Faults"/>), and a cut (<see cref="Cut"/>)
/// after which every call fails at once with <see cref="StorageUnavailableException"/> without reaching the store, as
/// for a process that died. A call already inside the store when the cut comes completes. Thread-safe.
/// </summary>
internal sealed class SiloStore(IObjectStore store, FaultInjectionOptions? faults) : ForwardingObjectStore(new FaultInjectingObjectStore(store, faults))
{
    private volatile bool _cut;

    public FaultInjectingObjectStore Faults => (FaultInjectingObjectStore)Inner;

    public void Cut() => _cut = true;

    public override ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobContent>(CutOff(name)) : base.GetAsync(name, range, cancellationToken);

    public override ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobContent>(CutOff(name)) : base.GetPooledAsync(name, range, cancellationToken);

    public override ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobProperties>(CutOff(name)) : base.GetPropertiesAsync(name, cancellationToken);

    public override ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobWriteResult>(CutOff(name)) : base.PutAsync(name, content, condition, cancellationToken);

    public override ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException(CutOff(name)) : base.DeleteAsync(name, condition, cancellationToken);

    public override ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobListPage>(CutOff(prefix)) : base.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public override ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobWriteResult>(CutOff(name)) : base.CreateAppendBlobAsync(name, condition, cancellationToken);

    public override ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<AppendResult>(CutOff(name)) : base.AppendBlockAsync(name, block, condition, cancellationToken);

    public override ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobWriteResult>(CutOff(name)) : base.SealAsync(name, condition, cancellationToken);

    public override ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobLease>(CutOff(name)) : base.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public override ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<BlobLease>(CutOff(name)) : base.RenewLeaseAsync(name, leaseId, cancellationToken);

    public override ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException(CutOff(name)) : base.ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public override ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        _cut ? ValueTask.FromException<TimeSpan>(CutOff(name)) : base.BreakLeaseAsync(name, breakPeriod, cancellationToken);

    private static StorageUnavailableException CutOff(string name) =>
        new(name, "the silo was killed: its store calls no longer reach the store", isOutcomeUnknown: false, storeErrorCode: "SiloKilled");
}
