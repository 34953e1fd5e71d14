using Runnel.Grains;
using Runnel.Testing;

namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// Wraps a grain factory so that partition grains' produce calls are counted as they start and end: the most that
/// were in flight at once, per partition. Everything else passes through.
/// </summary>
public sealed class InterceptingGrainFactory(IGrainFactory inner) : DelegatingGrainFactory(inner)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _inFlight = [];
    private readonly Dictionary<string, int> _maxInFlight = [];

    public int ProduceCalls { get; private set; }

    public int InFlight(string key)
    {
        lock (_gate)
        {
            return _inFlight.GetValueOrDefault(key);
        }
    }

    public int MaxInFlight(string key)
    {
        lock (_gate)
        {
            return _maxInFlight.GetValueOrDefault(key);
        }
    }

    public override TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null)
    {
        var grain = base.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);
        return grain is IPartitionGrain partition ? (TGrainInterface)(object)new CountingPartition(this, primaryKey, partition) : grain;
    }

    private void Enter(string key)
    {
        lock (_gate)
        {
            ProduceCalls++;
            var now = _inFlight.GetValueOrDefault(key) + 1;
            _inFlight[key] = now;
            _maxInFlight[key] = Math.Max(now, _maxInFlight.GetValueOrDefault(key));
        }
    }

    private void Exit(string key)
    {
        lock (_gate)
        {
            _inFlight[key]--;
        }
    }

    private sealed class CountingPartition(InterceptingGrainFactory owner, string key, IPartitionGrain inner) : IPartitionGrain
    {
        public async ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
        {
            owner.Enter(key);
            try
            {
                return await inner.ProduceAsync(request, cancellationToken);
            }
            finally
            {
                owner.Exit(key);
            }
        }

        public ValueTask<FetchResponse> FetchAsync(FetchRequest request, CancellationToken cancellationToken = default) => inner.FetchAsync(request, cancellationToken);

        public ValueTask<SegmentLocation?> LocateSealedAsync(long offset, CancellationToken cancellationToken = default) => inner.LocateSealedAsync(offset, cancellationToken);

        public ValueTask<PartitionOffsets> GetOffsetsAsync(CancellationToken cancellationToken = default) => inner.GetOffsetsAsync(cancellationToken);

        public ValueTask<long?> OffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken = default) => inner.OffsetForTimestampAsync(timestamp, cancellationToken);

        public ValueTask RetireAsync(CancellationToken cancellationToken = default) => inner.RetireAsync(cancellationToken);

        public ValueTask<bool> HandOverIfMovedAsync(CancellationToken cancellationToken = default) => inner.HandOverIfMovedAsync(cancellationToken);

        public ValueTask<long> WriteTransactionMarkerAsync(TransactionMarker marker, CancellationToken cancellationToken = default) => inner.WriteTransactionMarkerAsync(marker, cancellationToken);

        public ValueTask<int> EnforceRetentionAsync(CancellationToken cancellationToken = default) => inner.EnforceRetentionAsync(cancellationToken);

        public ValueTask<long> DeleteRecordsAsync(long beforeOffset, CancellationToken cancellationToken = default) => inner.DeleteRecordsAsync(beforeOffset, cancellationToken);

        public ValueTask<PartitionCompaction> CompactAsync(CancellationToken cancellationToken = default) => inner.CompactAsync(cancellationToken);
    }
}
