namespace Runnel.Kafka.Protocol.Messages;

/// <summary>AddPartitionsToTxn (key 24), v0–v3 (the client's form; v4+ is broker-to-broker and not offered); flexible
/// from v3. Adds partitions to the producer's open transaction before it writes transactional batches to them.</summary>
internal static class AddPartitionsToTxnApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 3;

    internal sealed record Topic(string Name, IReadOnlyList<int> Partitions);

    internal sealed class Request
    {
        public string TransactionalId { get; set; } = "";

        public long ProducerId { get; set; } = -1;

        public short ProducerEpoch { get; set; } = -1;

        public List<Topic> Topics { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request
            {
                TransactionalId = reader.ReadString(compact),
                ProducerId = reader.ReadInt64(),
                ProducerEpoch = reader.ReadInt16(),
            };
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new int[count];
                for (var p = 0; p < count; p++)
                {
                    partitions[p] = reader.ReadInt32();
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new Topic(name, partitions));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteString(TransactionalId, compact);
            writer.WriteInt64(ProducerId);
            writer.WriteInt16(ProducerEpoch);
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition);
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
    }

    internal sealed record PartitionResult(int PartitionIndex, KafkaErrorCode ErrorCode);

    internal sealed record TopicResult(string Name, IReadOnlyList<PartitionResult> Partitions);

    internal sealed class Response
    {
        public List<TopicResult> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(0); // throttle time
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
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
            var response = new Response();
            reader.ReadInt32();
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<PartitionResult>(count);
                for (var p = 0; p < count; p++)
                {
                    partitions.Add(new PartitionResult(reader.ReadInt32(), (KafkaErrorCode)reader.ReadInt16()));
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }
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
