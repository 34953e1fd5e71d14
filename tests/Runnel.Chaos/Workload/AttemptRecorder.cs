using Runnel.Chaos.History;
using Runnel.Grains;
using Runnel.Testing;

namespace Runnel.Chaos.Workload;

/// <summary>
/// Wraps the producers' grain factory so that every produce request to a partition grain is recorded as a
/// <see cref="ProduceAttempt"/> (sent, returned, succeeded): the raw material of the failover figures, seen below the
/// producer's own retries. Everything else passes through. Thread-safe.
/// </summary>
internal sealed class AttemptRecorder(IGrainFactory inner, RunClock clock) : DelegatingGrainFactory(inner)
{
    private readonly Lock _gate = new();
    private readonly List<ProduceAttempt> _attempts = [];
    private readonly RunClock _clock = clock;

    public IReadOnlyList<ProduceAttempt> Attempts
    {
        get
        {
            lock (_gate)
            {
                return [.. _attempts];
            }
        }
    }

    public override TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null)
    {
        var grain = base.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);
        return grain is IPartitionGrain partition
            ? (TGrainInterface)(object)new RecordingPartition(this, PartitionKey.Parse(primaryKey).Partition, partition)
            : grain;
    }

    private void Add(ProduceAttempt attempt)
    {
        lock (_gate)
        {
            _attempts.Add(attempt);
        }
    }

    private sealed class RecordingPartition(AttemptRecorder owner, int partition, IPartitionGrain inner) : IPartitionGrain
    {
        public async ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
        {
            var start = owner._clock.Now;
            var succeeded = false;
            try
            {
                // No ConfigureAwait(false): Orleans' analyzer takes any IAddressable for grain code (ORLEANS0014); the
                // harness has no synchronization context anyway.
                var response = await inner.ProduceAsync(request, cancellationToken);
                succeeded = true;
                return response;
            }
            finally
            {
                owner.Add(new ProduceAttempt(partition, start, owner._clock.Now, succeeded));
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
