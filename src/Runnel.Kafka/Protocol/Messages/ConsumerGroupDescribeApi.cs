namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// ConsumerGroupDescribe (key 69, KIP-848), v0; flexible from v0. Describes groups of the consumer protocol: epochs,
/// assignor, and per member its subscription, current and target assignment (partitions by topic id and name).
/// <code>
///   request:  GroupIds[string] IncludeAuthorizedOperations(bool)
///   response: ThrottleTimeMs Groups[ ErrorCode ErrorMessage? GroupId GroupState GroupEpoch AssignmentEpoch AssignorName
///               Members[ MemberId InstanceId? RackId? MemberEpoch ClientId ClientHost SubscribedTopicNames[string]
///                 SubscribedTopicRegex? Assignment{ TopicPartitions[] } TargetAssignment{ TopicPartitions[] } ]
///               AuthorizedOperations(int32) ]
///   TopicPartitions: TopicId(uuid) TopicName Partitions[int32]
/// </code>
/// </summary>
internal static class ConsumerGroupDescribeApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 0;
    public const short FirstFlexibleVersion = 0;

    /// <summary>Kafka's "authorized operations not requested" marker.</summary>
    public const int OperationsNotRequested = int.MinValue;

    internal sealed class Request
    {
        public List<string> GroupIds { get; } = [];

        public bool IncludeAuthorizedOperations { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request();
            var count = reader.ReadNonNullArrayLength(compact: true);
            for (var i = 0; i < count; i++)
            {
                request.GroupIds.Add(reader.ReadString(compact: true));
            }

            request.IncludeAuthorizedOperations = reader.ReadBool();
            reader.SkipTaggedFields();
            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteArrayLength(GroupIds.Count, compact: true);
            foreach (var group in GroupIds)
            {
                writer.WriteString(group, compact: true);
            }

            writer.WriteBool(IncludeAuthorizedOperations);
            writer.WriteEmptyTaggedFields();
        }
    }

    /// <summary>Partitions of one topic, by id and name.</summary>
    internal sealed record TopicPartitions(Guid TopicId, string TopicName, IReadOnlyList<int> Partitions);

    internal sealed record Member(
        string MemberId,
        string? InstanceId,
        string? RackId,
        int MemberEpoch,
        string ClientId,
        string ClientHost,
        IReadOnlyList<string> SubscribedTopicNames,
        string? SubscribedTopicRegex,
        IReadOnlyList<TopicPartitions> Assignment,
        IReadOnlyList<TopicPartitions> TargetAssignment);

    internal sealed record Group(
        KafkaErrorCode ErrorCode,
        string? ErrorMessage,
        string GroupId,
        string GroupState,
        int GroupEpoch,
        int AssignmentEpoch,
        string AssignorName,
        IReadOnlyList<Member> Members);

    internal sealed class Response
    {
        public List<Group> Groups { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteInt32(0); // throttle time
            writer.WriteArrayLength(Groups.Count, compact: true);
            foreach (var group in Groups)
            {
                writer.WriteInt16((short)group.ErrorCode);
                writer.WriteNullableString(group.ErrorMessage, compact: true);
                writer.WriteString(group.GroupId, compact: true);
                writer.WriteString(group.GroupState, compact: true);
                writer.WriteInt32(group.GroupEpoch);
                writer.WriteInt32(group.AssignmentEpoch);
                writer.WriteString(group.AssignorName, compact: true);
                writer.WriteArrayLength(group.Members.Count, compact: true);
                foreach (var member in group.Members)
                {
                    writer.WriteString(member.MemberId, compact: true);
                    writer.WriteNullableString(member.InstanceId, compact: true);
                    writer.WriteNullableString(member.RackId, compact: true);
                    writer.WriteInt32(member.MemberEpoch);
                    writer.WriteString(member.ClientId, compact: true);
                    writer.WriteString(member.ClientHost, compact: true);
                    writer.WriteArrayLength(member.SubscribedTopicNames.Count, compact: true);
                    foreach (var topic in member.SubscribedTopicNames)
                    {
                        writer.WriteString(topic, compact: true);
                    }

                    writer.WriteNullableString(member.SubscribedTopicRegex, compact: true);
                    WriteAssignment(ref writer, member.Assignment);
                    WriteAssignment(ref writer, member.TargetAssignment);
                    writer.WriteEmptyTaggedFields();
                }

                writer.WriteInt32(OperationsNotRequested);
                writer.WriteEmptyTaggedFields();
            }

            writer.WriteEmptyTaggedFields();
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            reader.ReadInt32(); // throttle time
            var response = new Response();
            var groups = reader.ReadNonNullArrayLength(compact: true);
            for (var i = 0; i < groups; i++)
            {
                var error = (KafkaErrorCode)reader.ReadInt16();
                var message = reader.ReadNullableString(compact: true);
                var groupId = reader.ReadString(compact: true);
                var state = reader.ReadString(compact: true);
                var groupEpoch = reader.ReadInt32();
                var assignmentEpoch = reader.ReadInt32();
                var assignor = reader.ReadString(compact: true);
                var memberCount = reader.ReadNonNullArrayLength(compact: true);
                var members = new List<Member>(memberCount);
                for (var m = 0; m < memberCount; m++)
                {
                    var memberId = reader.ReadString(compact: true);
                    var instanceId = reader.ReadNullableString(compact: true);
                    var rackId = reader.ReadNullableString(compact: true);
                    var memberEpoch = reader.ReadInt32();
                    var clientId = reader.ReadString(compact: true);
                    var clientHost = reader.ReadString(compact: true);
                    var topicCount = reader.ReadNonNullArrayLength(compact: true);
                    var topics = new List<string>(topicCount);
                    for (var t = 0; t < topicCount; t++)
                    {
                        topics.Add(reader.ReadString(compact: true));
                    }

                    var regex = reader.ReadNullableString(compact: true);
                    var assignment = ReadAssignment(ref reader);
                    var target = ReadAssignment(ref reader);
                    reader.SkipTaggedFields();
                    members.Add(new Member(memberId, instanceId, rackId, memberEpoch, clientId, clientHost, topics, regex, assignment, target));
                }

                reader.ReadInt32(); // authorized operations
                reader.SkipTaggedFields();
                response.Groups.Add(new Group(error, message, groupId, state, groupEpoch, assignmentEpoch, assignor, members));
            }

            reader.SkipTaggedFields();
            return response;
        }

        private static List<TopicPartitions> ReadAssignment(ref KafkaReader reader)
        {
            var count = reader.ReadNonNullArrayLength(compact: true);
            var topics = new List<TopicPartitions>(count);
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadUuid();
                var name = reader.ReadString(compact: true);
                var partitionCount = reader.ReadNonNullArrayLength(compact: true);
                var partitions = new int[partitionCount];
                for (var p = 0; p < partitionCount; p++)
                {
                    partitions[p] = reader.ReadInt32();
                }

                reader.SkipTaggedFields();
                topics.Add(new TopicPartitions(id, name, partitions));
            }

            reader.SkipTaggedFields();
            return topics;
        }

        private static void WriteAssignment(ref KafkaWriter writer, IReadOnlyList<TopicPartitions> topics)
        {
            writer.WriteArrayLength(topics.Count, compact: true);
            foreach (var topic in topics)
            {
                writer.WriteUuid(topic.TopicId);
                writer.WriteString(topic.TopicName, compact: true);
                writer.WriteArrayLength(topic.Partitions.Count, compact: true);
                foreach (var partition in topic.Partitions)
                {
                    writer.WriteInt32(partition);
                }

                writer.WriteEmptyTaggedFields();
            }

            writer.WriteEmptyTaggedFields();
        }
    }
}
