namespace Runnel.Kafka.Protocol.Messages;

/// <summary>OffsetFetch (key 9), v1–v9; flexible from v6. v2+ may ask for every committed partition (null topics)
/// and answers a group-level error, v5+ carries leader epochs (always -1 here), v7+ "require stable" (a partition with
/// an offset pending in an open transaction is then UNSTABLE_OFFSET_COMMIT), v8 asks for several groups at once, v9
/// (KIP-848) names the asking consumer-protocol member and its epoch per group (null and -1 for anyone else).
/// <code>
///   v8+ group: GroupId MemberId?(v9+) MemberEpoch(int32, v9+) Topics[]? { Name PartitionIndexes[int32] }
/// </code></summary>
internal static class OffsetFetchApi
{
    public const short MinVersion = 1;
    public const short MaxVersion = 9;
    public const short FirstFlexibleVersion = 6;

    internal sealed record TopicRequest(string Name, IReadOnlyList<int> Partitions);

    /// <summary>One group's question; <see cref="Topics"/> null = every committed partition. <see cref="MemberId"/>
    /// and <see cref="MemberEpoch"/> (v9+) name a consumer-protocol member asking; null and -1 otherwise.</summary>
    internal sealed record GroupRequest(string GroupId, IReadOnlyList<TopicRequest>? Topics)
    {
        public string? MemberId { get; init; }

        public int MemberEpoch { get; init; } = -1;
    }

    internal sealed class Request
    {
        /// <summary>One group before v8.</summary>
        public List<GroupRequest> Groups { get; } = [];

        public bool RequireStable { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            if (version >= 8)
            {
                var groups = reader.ReadNonNullArrayLength(compact);
                for (var g = 0; g < groups; g++)
                {
                    var groupId = reader.ReadString(compact);
                    var memberId = version >= 9 ? reader.ReadNullableString(compact) : null;
                    var memberEpoch = version >= 9 ? reader.ReadInt32() : -1;
                    var topics = ReadTopics(ref reader, compact, nullable: true);
                    reader.SkipTaggedFields();
                    request.Groups.Add(new GroupRequest(groupId, topics) { MemberId = memberId, MemberEpoch = memberEpoch });
                }
            }
            else
            {
                var groupId = reader.ReadString(compact);
                request.Groups.Add(new GroupRequest(groupId, ReadTopics(ref reader, compact, nullable: version >= 2)));
            }

            if (version >= 7)
            {
                request.RequireStable = reader.ReadBool();
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        private static List<TopicRequest>? ReadTopics(ref KafkaReader reader, bool compact, bool nullable)
        {
            var count = nullable ? reader.ReadArrayLength(compact) : reader.ReadNonNullArrayLength(compact);
            if (count < 0)
            {
                return null;
            }

            var topics = new List<TopicRequest>(count);
            for (var t = 0; t < count; t++)
            {
                topics.Add(new TopicRequest(reader.ReadString(compact), reader.ReadInt32Array(compact)));
                if (compact)
                {
                    reader.SkipTaggedFields();
                }
            }

            return topics;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 8)
            {
                writer.WriteArrayLength(Groups.Count, compact);
                foreach (var group in Groups)
                {
                    writer.WriteString(group.GroupId, compact);
                    if (version >= 9)
                    {
                        writer.WriteNullableString(group.MemberId, compact);
                        writer.WriteInt32(group.MemberEpoch);
                    }

                    WriteTopics(ref writer, group.Topics, compact);
                    writer.WriteEmptyTaggedFields();
                }
            }
            else
            {
                writer.WriteString(Groups[0].GroupId, compact);
                WriteTopics(ref writer, Groups[0].Topics, compact);
            }

            if (version >= 7)
            {
                writer.WriteBool(RequireStable);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        private static void WriteTopics(ref KafkaWriter writer, IReadOnlyList<TopicRequest>? topics, bool compact)
        {
            writer.WriteArrayLength(topics?.Count ?? -1, compact);
            foreach (var topic in topics ?? [])
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteInt32Array(topic.Partitions, compact);
                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }
        }
    }

    /// <summary>Offset -1 with no error: nothing committed.</summary>
    internal sealed record PartitionResponse(int PartitionIndex, long CommittedOffset, string? Metadata, KafkaErrorCode ErrorCode);

    internal sealed record TopicResponse(string Name, IReadOnlyList<PartitionResponse> Partitions) : IKafkaTopic<PartitionResponse>;

    internal sealed record GroupResponse(string GroupId, IReadOnlyList<TopicResponse> Topics, KafkaErrorCode ErrorCode);

    internal sealed class Response
    {
        /// <summary>One group before v8.</summary>
        public List<GroupResponse> Groups { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 3)
            {
                writer.WriteInt32(0); // throttle time
            }

            if (version >= 8)
            {
                writer.WriteArrayLength(Groups.Count, compact);
                foreach (var group in Groups)
                {
                    writer.WriteString(group.GroupId, compact);
                    WriteTopics(ref writer, group.Topics, version, compact);
                    writer.WriteInt16((short)group.ErrorCode);
                    writer.WriteEmptyTaggedFields();
                }
            }
            else
            {
                var group = Groups[0];
                WriteTopics(ref writer, group.Topics, version, compact);
                if (version >= 2)
                {
                    writer.WriteInt16((short)group.ErrorCode);
                }
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        private static void WriteTopics(ref KafkaWriter writer, IReadOnlyList<TopicResponse> topics, short version, bool compact) =>
            writer.WriteTopicArray(topics, version, compact, static (ref KafkaWriter w, PartitionResponse partition, short v, bool c) =>
            {
                w.WriteInt32(partition.PartitionIndex);
                w.WriteInt64(partition.CommittedOffset);
                if (v >= 5)
                {
                    w.WriteInt32(-1); // leader epoch
                }

                w.WriteNullableString(partition.Metadata, c);
                w.WriteInt16((short)partition.ErrorCode);
            });
    }
}
