using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakePartitionGrain(FakeBroker broker) : Grain, IPartitionGrain
{
    private string Key => this.GetPrimaryKeyString();

    private FakePartitionLog Log => broker.Log(Key);

    public async ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
    {
        CheckExists();
        await broker.HeldAsync(Key).WaitAsync(cancellationToken);
        if (RecordBatchHeader.Read(request.Batch.Span).IsTransactional)
        {
            broker.TransactionEvents.Enqueue("send " + Key);
        }

        return await Log.AppendAsync(request.Batch, broker.NextFault(Key, RecordBatchHeader.Read(request.Batch.Span).BaseSequence));
    }

    public async ValueTask<FetchResponse> FetchAsync(FetchRequest request, CancellationToken cancellationToken = default)
    {
        CheckExists();
        broker.Fetched(Key, request.Offset);
        broker.FetchIsolation.Enqueue(request.IsolationLevel);
        var response = Log.Read(request.Offset, request.MaxBytes);
        if (response.Batches.Length > 0 || request.MaxWait <= TimeSpan.Zero)
        {
            return response;
        }

        // Long-poll: produce calls ([AlwaysInterleave]) and other reads ([ReadOnly]) run beside it, the rest wait behind it,
        // so tests keep MaxWait short.
        try
        {
            await Log.WaitForDataAsync(request.Offset).WaitAsync(request.MaxWait, cancellationToken);
        }
        catch (TimeoutException)
        {
        }

        return Log.Read(request.Offset, request.MaxBytes);
    }

    /// <summary>The fake log has no segments: everything is read through <see cref="FetchAsync"/>.</summary>
    public ValueTask<SegmentLocation?> LocateSealedAsync(long offset, CancellationToken cancellationToken = default) => ValueTask.FromResult<SegmentLocation?>(null);

    public ValueTask<PartitionOffsets> GetOffsetsAsync(CancellationToken cancellationToken = default)
    {
        CheckExists();
        var hw = Log.HighWatermark;
        return ValueTask.FromResult(new PartitionOffsets(Log.LogStartOffset, hw, hw));
    }

    public ValueTask<long?> OffsetForTimestampAsync(long timestamp, CancellationToken cancellationToken = default)
    {
        CheckExists();
        return ValueTask.FromResult(Log.OffsetForTimestamp(timestamp));
    }

    public ValueTask RetireAsync(CancellationToken cancellationToken = default) => default;

    public ValueTask<bool> HandOverIfMovedAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public ValueTask<long> WriteTransactionMarkerAsync(TransactionMarker marker, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The fake partition has no transactions.");

    public ValueTask<int> EnforceRetentionAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(0);

    /// <summary>The fake keeps every record: a pass that cleans nothing.</summary>
    public ValueTask<PartitionCompaction> CompactAsync(CancellationToken cancellationToken = default)
    {
        CheckExists();
        return ValueTask.FromResult(new PartitionCompaction(0, 0, 0, 0, 0, 0));
    }

    public ValueTask<long> DeleteRecordsAsync(long beforeOffset, CancellationToken cancellationToken = default)
    {
        CheckExists();
        Log.LogStartOffset = Math.Max(Log.LogStartOffset, beforeOffset);
        return ValueTask.FromResult(Log.LogStartOffset);
    }

    private void CheckExists()
    {
        var (topic, partition) = PartitionKey.Parse(Key);
        if (!broker.Topics.TryGetValue(topic, out var t))
        {
            throw new RunnelException(RunnelErrorCode.UnknownTopic, $"Topic '{topic}' does not exist.");
        }

        if (partition >= t.Partitions)
        {
            throw new RunnelException(RunnelErrorCode.UnknownPartition, $"Topic '{topic}' has no partition {partition}.");
        }
    }
}
