using Runnel.Grains;
using Runnel.Log.Batches;
using Runnel.Runtime;

namespace Runnel.Client.Tests.Fakes;

public sealed class FakePartitionGrain(FakeBroker broker) : Grain, IPartitionGrain
{
    private FakePartitionLog Log => broker.Log(GrainId.Key);

    public async ValueTask<ProduceResponse> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
    {
        CheckExists();
        await broker.HeldAsync(GrainId.Key).WaitAsync(cancellationToken);
        return Log.Append(request.Batch, broker.NextFault(GrainId.Key, RecordBatchHeader.Read(request.Batch.Span).BaseSequence));
    }

    public async ValueTask<FetchResponse> FetchAsync(FetchRequest request, CancellationToken cancellationToken = default)
    {
        CheckExists();
        broker.Fetches.Writer.TryWrite((GrainId.Key, request.Offset));
        var response = Log.Read(request.Offset, request.MaxBytes);
        if (response.Batches.Length > 0 || request.MaxWait <= TimeSpan.Zero)
        {
            return response;
        }

        // Long-poll. A [ReadOnly] turn still holds produce calls back until it ends, so tests keep MaxWait short.
        try
        {
            await Log.WaitForDataAsync(request.Offset).WaitAsync(request.MaxWait, cancellationToken);
        }
        catch (TimeoutException)
        {
        }

        return Log.Read(request.Offset, request.MaxBytes);
    }

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
        var (topic, partition) = PartitionKey.Parse(GrainId.Key);
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
