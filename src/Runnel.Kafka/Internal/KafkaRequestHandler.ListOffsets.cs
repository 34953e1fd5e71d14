using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Runnel.Log.Batches;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>Latest (-1: the high watermark, or the last stable offset under read_committed), earliest (-2: the log
    /// start) or by timestamp (the first record at or after it, with that record's own timestamp; offset -1 when there
    /// is none).</summary>
    private async Task<ResponseFrame?> ListOffsetsAsync(RequestHeader header, ListOffsetsApi.Request request)
    {
        var topics = request.Topics.Select(async topic => new ListOffsetsApi.TopicResponse(
            topic.Name,
            await Task.WhenAll(topic.Partitions.Select(p => ListPartitionOffsetAsync(topic.Name, p, request.IsolationLevel == 1))).ConfigureAwait(false)));
        var response = new ListOffsetsApi.Response();
        response.Topics.AddRange(await Task.WhenAll(topics).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<ListOffsetsApi.PartitionResponse> ListPartitionOffsetAsync(string topic, ListOffsetsApi.PartitionRequest partition, bool readCommitted)
    {
        if (!TopicName.IsValid(topic, out _) || partition.PartitionIndex < 0)
        {
            return new ListOffsetsApi.PartitionResponse(partition.PartitionIndex, KafkaErrorCode.UnknownTopicOrPartition, -1, -1, -1);
        }

        var grain = grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition.PartitionIndex));
        try
        {
            switch (partition.Timestamp)
            {
                case ListOffsetsApi.LatestTimestamp or ListOffsetsApi.EarliestTimestamp:
                    var offsets = await grain.GetOffsetsAsync().ConfigureAwait(false);
                    var offset = partition.Timestamp == ListOffsetsApi.EarliestTimestamp ? offsets.LogStartOffset
                        : readCommitted ? offsets.LastStableOffset : offsets.HighWatermark;
                    return new ListOffsetsApi.PartitionResponse(partition.PartitionIndex, KafkaErrorCode.None, -1, offset, -1);
                case < 0:
                    return new ListOffsetsApi.PartitionResponse(partition.PartitionIndex, KafkaErrorCode.InvalidRequest, -1, -1, -1);
                default:
                    var found = await grain.OffsetForTimestampAsync(partition.Timestamp).ConfigureAwait(false);
                    if (found is not { } at)
                    {
                        return new ListOffsetsApi.PartitionResponse(partition.PartitionIndex, KafkaErrorCode.None, -1, -1, -1);
                    }

                    var timestamp = await RecordTimestampAsync(grain, at).ConfigureAwait(false) ?? partition.Timestamp;
                    return new ListOffsetsApi.PartitionResponse(partition.PartitionIndex, KafkaErrorCode.None, timestamp, at, -1);
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return new ListOffsetsApi.PartitionResponse(partition.PartitionIndex, Fail($"ListOffsets ({topic}-{partition.PartitionIndex})", ex), -1, -1, -1);
        }
    }

    /// <summary>The timestamp of the record at <paramref name="offset"/>: one fetch of the batch holding it.</summary>
    private static async Task<long?> RecordTimestampAsync(IPartitionGrain grain, long offset)
    {
        var fetched = await grain.FetchAsync(new FetchRequest(offset, 1, TimeSpan.Zero)).ConfigureAwait(false);
        foreach (var batch in new RecordBatchReader(fetched.Batches, verifyCrc: false))
        {
            if (batch.LastOffset < offset)
            {
                continue;
            }

            if (batch.Header.TimestampType == TimestampType.LogAppendTime)
            {
                return batch.Header.MaxTimestamp;
            }

            using var records = batch.ReadRecords();
            foreach (var record in records)
            {
                if (record.Offset == offset)
                {
                    return record.Timestamp;
                }
            }

            break;
        }

        return null;
    }
}
