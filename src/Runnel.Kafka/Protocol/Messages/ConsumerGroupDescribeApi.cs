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
                    writer.WriteNullableString(null, compact: true); // rack id
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
