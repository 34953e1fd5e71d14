namespace Runnel.Kafka.Protocol.Messages;

/// <summary>DeleteRecords (key 21), v0–v2; flexible from v2. Each partition's offset becomes its new log start
/// (-1: the high watermark).</summary>
internal static class DeleteRecordsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 2;
    public const short FirstFlexibleVersion = 2;

    internal sealed record PartitionRequest(int PartitionIndex, long Offset);

    internal sealed record TopicRequest(string Name, IReadOnlyList<PartitionRequest> Partitions);

    internal sealed class Request
    {
        public List<TopicRequest> Topics { get; } = [];

        public int TimeoutMs { get; set; } = 30_000;

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionRequest>(count);
                for (var p = 0; p < count; p++)
                {
                    var index = reader.ReadInt32();
                    var offset = reader.ReadInt64();
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionRequest(index, offset));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new TopicRequest(name, partitions));
            }

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
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt64(partition.Offset);
                    if (compact)
                    {
                        writer.WriteEmptyTaggedFields();
                    }
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            writer.WriteInt32(TimeoutMs);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record PartitionResult(int PartitionIndex, long LowWatermark, KafkaErrorCode ErrorCode);

    internal sealed record TopicResult(string Name, IReadOnlyList<PartitionResult> Partitions);

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<TopicResult> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ThrottleTimeMs);
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt64(partition.LowWatermark);
                    writer.WriteInt16((short)partition.ErrorCode);
                    if (compact)
                    {
                        writer.WriteEmptyTaggedFields();
                    }
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response { ThrottleTimeMs = reader.ReadInt32() };
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionResult>(count);
                for (var p = 0; p < count; p++)
                {
                    var index = reader.ReadInt32();
                    var low = reader.ReadInt64();
                    var error = (KafkaErrorCode)reader.ReadInt16();
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionResult(index, low, error));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Topics.Add(new TopicResult(name, partitions));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
