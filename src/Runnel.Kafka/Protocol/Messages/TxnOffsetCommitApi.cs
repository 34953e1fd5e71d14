namespace Runnel.Kafka.Protocol.Messages;

/// <summary>TxnOffsetCommit (key 28), v0–v3; flexible from v3. A transactional producer commits a consumer group's
/// offsets inside its transaction: v2+ carries each offset's leader epoch (ignored here), v3+ the consumer's generation,
/// member id and group instance id (KIP-447), checked by the group so a zombie cannot commit.</summary>
internal static class TxnOffsetCommitApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 3;

    internal sealed record Partition(int PartitionIndex, long CommittedOffset, int LeaderEpoch, string? Metadata);

    internal sealed record Topic(string Name, IReadOnlyList<Partition> Partitions);

    internal sealed class Request
    {
        public string TransactionalId { get; set; } = "";

        public string GroupId { get; set; } = "";

        public long ProducerId { get; set; } = -1;

        public short ProducerEpoch { get; set; } = -1;

        /// <summary>v3+; -1 before (no member check).</summary>
        public int GenerationId { get; set; } = -1;

        public string MemberId { get; set; } = "";

        public string? GroupInstanceId { get; set; }

        public List<Topic> Topics { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request
            {
                TransactionalId = reader.ReadString(compact),
                GroupId = reader.ReadString(compact),
                ProducerId = reader.ReadInt64(),
                ProducerEpoch = reader.ReadInt16(),
            };
            if (version >= 3)
            {
                request.GenerationId = reader.ReadInt32();
                request.MemberId = reader.ReadString(compact);
                request.GroupInstanceId = reader.ReadNullableString(compact);
            }

            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadNonNullArrayLength(compact);
                var partitions = new List<Partition>(count);
                for (var p = 0; p < count; p++)
                {
                    var index = reader.ReadInt32();
                    var offset = reader.ReadInt64();
                    var leaderEpoch = version >= 2 ? reader.ReadInt32() : -1;
                    var metadata = reader.ReadNullableString(compact);
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new Partition(index, offset, leaderEpoch, metadata));
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
            writer.WriteString(GroupId, compact);
            writer.WriteInt64(ProducerId);
            writer.WriteInt16(ProducerEpoch);
            if (version >= 3)
            {
                writer.WriteInt32(GenerationId);
                writer.WriteString(MemberId, compact);
                writer.WriteNullableString(GroupInstanceId, compact);
            }

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt64(partition.CommittedOffset);
                    if (version >= 2)
                    {
                        writer.WriteInt32(partition.LeaderEpoch);
                    }

                    writer.WriteNullableString(partition.Metadata, compact);
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
