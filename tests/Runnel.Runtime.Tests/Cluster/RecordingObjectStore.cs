using System.Collections.Concurrent;
using Runnel.Storage;

namespace Runnel.Runtime.Tests.Cluster;

/// <summary>Passes every call through and records the content of each successful put whose name ends with
/// <paramref name="suffix"/> (in completion order).</summary>
public sealed class RecordingObjectStore(IObjectStore inner, string suffix) : IObjectStore
{
    public ConcurrentQueue<byte[]> Puts { get; } = new();

    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) => inner.GetAsync(name, range, cancellationToken);

    public ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(name, cancellationToken);

    public async ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        var result = await inner.PutAsync(name, content, condition, cancellationToken);
        if (name.EndsWith(suffix, StringComparison.Ordinal))
        {
            Puts.Enqueue(content.ToArray());
        }

        return result;
    }

    public ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, condition, cancellationToken);

    public ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default) =>
        inner.ListAsync(prefix, continuationToken, pageSize, cancellationToken);

    public ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) =>
        inner.CreateAppendBlobAsync(name, condition, cancellationToken);

    public ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default) =>
        inner.AppendBlockAsync(name, block, condition, cancellationToken);

    public ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default) => inner.SealAsync(name, condition, cancellationToken);

    public ValueTask<BlobLease> AcquireLeaseAsync(string name, TimeSpan? duration, string? proposedLeaseId = null, CancellationToken cancellationToken = default) =>
        inner.AcquireLeaseAsync(name, duration, proposedLeaseId, cancellationToken);

    public ValueTask<BlobLease> RenewLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask ReleaseLeaseAsync(string name, string leaseId, CancellationToken cancellationToken = default) => inner.ReleaseLeaseAsync(name, leaseId, cancellationToken);

    public ValueTask<TimeSpan> BreakLeaseAsync(string name, TimeSpan? breakPeriod = null, CancellationToken cancellationToken = default) =>
        inner.BreakLeaseAsync(name, breakPeriod, cancellationToken);
}
