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

    internal sealed record TopicRequest(string Name, IReadOnlyList<PartitionRequest> Partitions);

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
                    var epoch = version >= 6 ? reader.ReadInt32() : -1;
                    var metadata = reader.ReadNullableString(compact);
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    partitions.Add(new PartitionRequest(index, offset, epoch, metadata));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new TopicRequest(name, partitions));
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

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteArrayLength(topic.Partitions.Count, compact);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition.PartitionIndex);
                    writer.WriteInt64(partition.CommittedOffset);
                    if (version >= 6)
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

    internal sealed record PartitionResponse(int PartitionIndex, KafkaErrorCode ErrorCode);

    internal sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions);

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
    }
}
