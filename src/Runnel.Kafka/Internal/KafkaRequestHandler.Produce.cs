using System.Buffers;
using System.Buffers.Binary;
using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>RecordBatch v2: magic at byte 16, batch length (bytes after the first 12) at byte 8.</summary>
    private const int MagicOffset = 16;

    private const int BatchLengthOffset = 8;

    /// <summary>A RecordBatch v2 header is 61 bytes.</summary>
    private const int MinBatchBytes = 61;

    /// <summary>Each partition's record batch goes to its partition grain unchanged (all partitions at once); the grain
    /// validates it, deduplicates idempotent producers and answers once the batch is durable, for acks 1 and all
    /// alike. acks=0 answers nothing (the batches are still written).</summary>
    private async Task<ResponseFrame?> ProduceAsync(RequestHeader header, ProduceApi.Request request)
    {
        var response = new ProduceApi.Response();
        if (request.Acks is not (0 or 1 or -1))
        {
            foreach (var topic in request.Topics)
            {
                response.Topics.Add(new ProduceApi.TopicResponse(topic.Name, [.. topic.Partitions.Select(p =>
                    new ProduceApi.PartitionResponse(p.Index, KafkaErrorCode.InvalidRequiredAcks, -1, -1, -1, $"acks must be 0, 1 or -1 (was {request.Acks})."))]));
            }
        }
        else
        {
            var topics = request.Topics.Select(async topic => new ProduceApi.TopicResponse(
                topic.Name,
                await Task.WhenAll(topic.Partitions.Select(p => ProducePartitionAsync(topic.Name, p))).ConfigureAwait(false)));
            response.Topics.AddRange(await Task.WhenAll(topics).ConfigureAwait(false));
        }

        if (request.Acks == 0)
        {
            return null;
        }

        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<ProduceApi.PartitionResponse> ProducePartitionAsync(string topic, ProduceApi.PartitionData partition)
    {
        if (!TopicName.IsValid(topic, out _) || partition.Index < 0)
        {
            return Failed(KafkaErrorCode.UnknownTopicOrPartition, $"Unknown topic or partition {topic}-{partition.Index}.");
        }

        if (partition.Records is not { } records || records.Length < MinBatchBytes)
        {
            return Failed(KafkaErrorCode.CorruptMessage, "The records are empty or shorter than one RecordBatch v2 header.");
        }

        // The request's frame is a fresh array that nothing reuses (KafkaConnection), so the grain may keep a slice.
        var batch = records.IsSingleSegment ? records.First : records.ToArray();
        var span = batch.Span;
        if (span[MagicOffset] != 2)
        {
            return Failed(KafkaErrorCode.CorruptMessage, $"Only RecordBatch v2 (magic 2) is accepted (magic was {span[MagicOffset]}).");
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(span[BatchLengthOffset..]);
        if (batchLength + 12L != batch.Length)
        {
            // Kafka's rule from Produce v3: exactly one batch per partition.
            return Failed(KafkaErrorCode.InvalidRecord, $"The records hold {batch.Length} bytes but the batch says {batchLength + 12L}: exactly one record batch per partition.");
        }

        try
        {
            var produced = await grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition.Index))
                .ProduceAsync(new ProduceRequest(batch)).ConfigureAwait(false);
            return new ProduceApi.PartitionResponse(partition.Index, KafkaErrorCode.None, produced.BaseOffset, -1, produced.LogStartOffset, null);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return Failed(Fail($"Produce ({topic}-{partition.Index})", ex), ex.Message);
        }

        ProduceApi.PartitionResponse Failed(KafkaErrorCode code, string message) => new(partition.Index, code, -1, -1, -1, message);
    }
}
