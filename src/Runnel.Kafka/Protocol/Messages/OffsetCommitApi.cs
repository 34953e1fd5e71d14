namespace Runnel.Kafka.Protocol.Messages;

/// <summary>OffsetCommit (key 8), v2–v9; flexible from v8. v2–v4 carry a retention time (ignored: Runnel keeps
/// committed offsets until the group is deleted), v6+ a leader epoch per partition (ignored), v7+ the group instance
/// id. v9 reads as v8; only its meaning grows (KIP-848): <see cref="Request.GenerationId"/> is then a consumer-protocol
/// member's epoch, and a stale one is STALE_MEMBER_EPOCH.</summary>
internal static class OffsetCommitApi
{
    public const short MinVersion = 2;
    public const short MaxVersion = 9;
    public const short FirstFlexibleVersion = 8;

    internal sealed record PartitionRequest(int PartitionIndex, long CommittedOffset, int LeaderEpoch, string? Metadata);

    internal sealed record TopicRequest(string Name, IReadOnlyList<PartitionRequest> Partitions) : IKafkaTopic<PartitionRequest>;

    internal sealed class Request
    {
        public string GroupId { get; set; } = "";

        /// <summary>-1 for a standalone commit (manual assignment); a classic member's generation; from v9 also a
        /// consumer-protocol (KIP-848) member's epoch.</summary>
        public int GenerationId { get; set; } = -1;

        public string MemberId { get; set; } = "";

        public string? GroupInstanceId { get; set; }

        public List<TopicRequest> Topics { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request
            {
                GroupId = reader.ReadString(compact),
                GenerationId = reader.ReadInt32(),
                MemberId = reader.ReadString(compact),
            };
            if (version >= 7)
            {
                request.GroupInstanceId = reader.ReadNullableString(compact);
            }

            if (version <= 4)
            {
                reader.ReadInt64(); // retention time
            }

            request.Topics.AddRange(reader.ReadTopicArray(version, compact, ReadPartition, static (name, partitions) => new TopicRequest(name, partitions)));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        private static PartitionRequest ReadPartition(ref KafkaReader reader, short version, bool compact) =>
            new(reader.ReadInt32(), reader.ReadInt64(), version >= 6 ? reader.ReadInt32() : -1, reader.ReadNullableString(compact));

        private static void WritePartition(ref KafkaWriter writer, PartitionRequest partition, short version, bool compact)
        {
            writer.WriteInt32(partition.PartitionIndex);
            writer.WriteInt64(partition.CommittedOffset);
            if (version >= 6)
            {
                writer.WriteInt32(partition.LeaderEpoch);
            }

            writer.WriteNullableString(partition.Metadata, compact);
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteString(GroupId, compact);
            writer.WriteInt32(GenerationId);
            writer.WriteString(MemberId, compact);
            if (version >= 7)
            {
                writer.WriteNullableString(GroupInstanceId, compact);
            }

            if (version <= 4)
            {
                writer.WriteInt64(-1);
            }

            writer.WriteTopicArray(Topics, version, compact, WritePartition);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record PartitionResponse(int PartitionIndex, KafkaErrorCode ErrorCode);

    internal sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions) : IKafkaTopic<PartitionResponse>;

    internal sealed class Response
    {
        public List<TopicResponse> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 3)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteTopicArray(Topics, version, compact, static (ref KafkaWriter w, PartitionResponse partition, short _, bool _) =>
            {
                w.WriteInt32(partition.PartitionIndex);
                w.WriteInt16((short)partition.ErrorCode);
            });
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }
}
