namespace Runnel.Kafka.Protocol.Messages;

/// <summary>TxnOffsetCommit (key 28), v0–v3; flexible from v3. A transactional producer commits a consumer group's
/// offsets inside its transaction: v2+ carries each offset's leader epoch (ignored here), v3+ the consumer's generation,
/// member id and group instance id (KIP-447), checked by the group so a zombie cannot commit. Answered with a
/// <see cref="TransactionPartitionsResponse"/>.</summary>
internal static class TxnOffsetCommitApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 3;

    internal sealed record Partition(int PartitionIndex, long CommittedOffset, int LeaderEpoch, string? Metadata);

    internal sealed record Topic(string Name, IReadOnlyList<Partition> Partitions) : IKafkaTopic<Partition>;

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

            request.Topics.AddRange(reader.ReadTopicArray(version, compact, ReadPartition, static (name, partitions) => new Topic(name, partitions)));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        private static Partition ReadPartition(ref KafkaReader reader, short version, bool compact) =>
            new(reader.ReadInt32(), reader.ReadInt64(), version >= 2 ? reader.ReadInt32() : -1, reader.ReadNullableString(compact));

        private static void WritePartition(ref KafkaWriter writer, Partition partition, short version, bool compact)
        {
            writer.WriteInt32(partition.PartitionIndex);
            writer.WriteInt64(partition.CommittedOffset);
            if (version >= 2)
            {
                writer.WriteInt32(partition.LeaderEpoch);
            }

            writer.WriteNullableString(partition.Metadata, compact);
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

            writer.WriteTopicArray(Topics, version, compact, WritePartition);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }
}
