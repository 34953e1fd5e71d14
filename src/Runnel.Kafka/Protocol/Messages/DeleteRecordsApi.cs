namespace Runnel.Kafka.Protocol.Messages;

/// <summary>DeleteRecords (key 21), v0–v2; flexible from v2. Each partition's offset becomes its new log start
/// (-1: the high watermark).</summary>
internal static class DeleteRecordsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 2;
    public const short FirstFlexibleVersion = 2;

    internal sealed record PartitionRequest(int PartitionIndex, long Offset);

    internal sealed record TopicRequest(string Name, IReadOnlyList<PartitionRequest> Partitions) : IKafkaTopic<PartitionRequest>;

    internal sealed class Request
    {
        public List<TopicRequest> Topics { get; } = [];

        public int TimeoutMs { get; set; } = 30_000;

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            request.Topics.AddRange(reader.ReadTopicArray(
                version,
                compact,
                static (ref KafkaReader r, short _, bool _) => new PartitionRequest(r.ReadInt32(), r.ReadInt64()),
                static (name, partitions) => new TopicRequest(name, partitions)));
            request.TimeoutMs = reader.ReadInt32();
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteTopicArray(Topics, version, compact, static (ref KafkaWriter w, PartitionRequest partition, short _, bool _) =>
            {
                w.WriteInt32(partition.PartitionIndex);
                w.WriteInt64(partition.Offset);
            });
            writer.WriteInt32(TimeoutMs);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record PartitionResult(int PartitionIndex, long LowWatermark, KafkaErrorCode ErrorCode);

    internal sealed record TopicResult(string Name, IReadOnlyList<PartitionResult> Partitions) : IKafkaTopic<PartitionResult>;

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<TopicResult> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ThrottleTimeMs);
            writer.WriteTopicArray(Topics, version, compact, static (ref KafkaWriter w, PartitionResult partition, short _, bool _) =>
            {
                w.WriteInt32(partition.PartitionIndex);
                w.WriteInt64(partition.LowWatermark);
                w.WriteInt16((short)partition.ErrorCode);
            });
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response { ThrottleTimeMs = reader.ReadInt32() };
            response.Topics.AddRange(reader.ReadTopicArray(
                version,
                compact,
                static (ref KafkaReader r, short _, bool _) => new PartitionResult(r.ReadInt32(), r.ReadInt64(), (KafkaErrorCode)r.ReadInt16()),
                static (name, partitions) => new TopicResult(name, partitions)));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
