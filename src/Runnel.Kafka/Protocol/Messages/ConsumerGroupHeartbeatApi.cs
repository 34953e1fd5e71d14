namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// ConsumerGroupHeartbeat (key 68, KIP-848), v0–v1; flexible from v0. v1 (what librdkafka 2.16 and the Java client
/// 4.x send) adds the subscribed topic regex and has the client make up its member id. Fields a member leaves null did
/// not change since its last heartbeat. Partitions travel by topic id.
/// <code>
///   request:  GroupId MemberId MemberEpoch(int32: 0 join, -1 leave, -2 static leave) InstanceId? RackId?
///             RebalanceTimeoutMs(-1 = unchanged) SubscribedTopicNames[]? SubscribedTopicRegex?(v1+) ServerAssignor?
///             TopicPartitions[]? { TopicId(uuid) Partitions[int32] }
///   response: ThrottleTimeMs ErrorCode ErrorMessage? MemberId? MemberEpoch HeartbeatIntervalMs
///             Assignment? (int8 -1 = null, 1 = present) { TopicPartitions[] { TopicId Partitions[int32] } }
/// </code>
/// </summary>
internal static class ConsumerGroupHeartbeatApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 1;
    public const short FirstFlexibleVersion = 0;

    /// <summary>The member epoch that leaves the group.</summary>
    public const int LeaveEpoch = -1;

    /// <summary>The member epoch with which a static member leaves, meaning to come back.</summary>
    public const int StaticLeaveEpoch = -2;

    /// <summary>Partitions of one topic, by topic id.</summary>
    internal sealed record TopicPartitions(Guid TopicId, IReadOnlyList<int> Partitions);

    internal sealed class Request
    {
        public string GroupId { get; set; } = "";

        public string MemberId { get; set; } = "";

        public int MemberEpoch { get; set; }

        public string? InstanceId { get; set; }

        public string? RackId { get; set; }

        public int RebalanceTimeoutMs { get; set; } = -1;

        /// <summary>Null = unchanged since the last heartbeat.</summary>
        public List<string>? SubscribedTopicNames { get; set; }

        /// <summary>Null = unchanged since the last heartbeat (always null before v1).</summary>
        public string? SubscribedTopicRegex { get; set; }

        public string? ServerAssignor { get; set; }

        /// <summary>The partitions the member owns; null = unchanged since the last heartbeat.</summary>
        public List<TopicPartitions>? Owned { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request
            {
                GroupId = reader.ReadString(compact: true),
                MemberId = reader.ReadString(compact: true),
                MemberEpoch = reader.ReadInt32(),
                InstanceId = reader.ReadNullableString(compact: true),
                RackId = reader.ReadNullableString(compact: true),
                RebalanceTimeoutMs = reader.ReadInt32(),
            };
            var topicCount = reader.ReadArrayLength(compact: true);
            if (topicCount >= 0)
            {
                request.SubscribedTopicNames = new List<string>(topicCount);
                for (var i = 0; i < topicCount; i++)
                {
                    request.SubscribedTopicNames.Add(reader.ReadString(compact: true));
                }
            }

            if (version >= 1)
            {
                request.SubscribedTopicRegex = reader.ReadNullableString(compact: true);
            }

            request.ServerAssignor = reader.ReadNullableString(compact: true);
            request.Owned = ReadTopicPartitions(ref reader);
            reader.SkipTaggedFields();
            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteString(GroupId, compact: true);
            writer.WriteString(MemberId, compact: true);
            writer.WriteInt32(MemberEpoch);
            writer.WriteNullableString(InstanceId, compact: true);
            writer.WriteNullableString(RackId, compact: true);
            writer.WriteInt32(RebalanceTimeoutMs);
            writer.WriteArrayLength(SubscribedTopicNames?.Count ?? -1, compact: true);
            foreach (var topic in SubscribedTopicNames ?? [])
            {
                writer.WriteString(topic, compact: true);
            }

            if (version >= 1)
            {
                writer.WriteNullableString(SubscribedTopicRegex, compact: true);
            }

            writer.WriteNullableString(ServerAssignor, compact: true);
            WriteTopicPartitions(ref writer, Owned);
            writer.WriteEmptyTaggedFields();
        }
    }

    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public string? ErrorMessage { get; set; }

        public string? MemberId { get; set; }

        public int MemberEpoch { get; set; }

        public int HeartbeatIntervalMs { get; set; }

        /// <summary>The partitions the member may use now; null = no assignment in this answer.</summary>
        public List<TopicPartitions>? Assignment { get; set; }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteInt32(0); // throttle time
            writer.WriteInt16((short)ErrorCode);
            writer.WriteNullableString(ErrorMessage, compact: true);
            writer.WriteNullableString(MemberId, compact: true);
            writer.WriteInt32(MemberEpoch);
            writer.WriteInt32(HeartbeatIntervalMs);
            if (Assignment is null)
            {
                writer.WriteInt8(-1);
            }
            else
            {
                writer.WriteInt8(1);
                WriteTopicPartitions(ref writer, Assignment);
                writer.WriteEmptyTaggedFields();
            }

            writer.WriteEmptyTaggedFields();
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            reader.ReadInt32(); // throttle time
            var response = new Response
            {
                ErrorCode = (KafkaErrorCode)reader.ReadInt16(),
                ErrorMessage = reader.ReadNullableString(compact: true),
                MemberId = reader.ReadNullableString(compact: true),
                MemberEpoch = reader.ReadInt32(),
                HeartbeatIntervalMs = reader.ReadInt32(),
            };
            if (reader.ReadInt8() >= 0)
            {
                response.Assignment = ReadTopicPartitions(ref reader) ?? throw new KafkaProtocolException("The assignment's topic partitions are null.");
                reader.SkipTaggedFields();
            }

            reader.SkipTaggedFields();
            return response;
        }
    }

    private static List<TopicPartitions>? ReadTopicPartitions(ref KafkaReader reader)
    {
        var count = reader.ReadArrayLength(compact: true);
        if (count < 0)
        {
            return null;
        }

        var topics = new List<TopicPartitions>(count);
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadUuid();
            var partitionCount = reader.ReadNonNullArrayLength(compact: true);
            var partitions = new int[partitionCount];
            for (var p = 0; p < partitionCount; p++)
            {
                partitions[p] = reader.ReadInt32();
            }

            reader.SkipTaggedFields();
            topics.Add(new TopicPartitions(id, partitions));
        }

        return topics;
    }

    private static void WriteTopicPartitions(ref KafkaWriter writer, List<TopicPartitions>? topics)
    {
        writer.WriteArrayLength(topics?.Count ?? -1, compact: true);
        foreach (var topic in topics ?? [])
        {
            writer.WriteUuid(topic.TopicId);
            writer.WriteArrayLength(topic.Partitions.Count, compact: true);
            foreach (var partition in topic.Partitions)
            {
                writer.WriteInt32(partition);
            }

            writer.WriteEmptyTaggedFields();
        }
    }
}
