namespace Runnel.Kafka.Protocol.Messages;

/// <summary>DescribeGroups (key 15), v0–v4 (none flexible). v3+ asks for authorized operations (answered as "not
/// provided": Runnel has no ACLs), v4+ carries members' group instance ids.</summary>
internal static class DescribeGroupsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 4;
    public const short FirstFlexibleVersion = 5; // not offered

    /// <summary>Kafka's "authorized operations not provided" (int32 min value).</summary>
    private const int OperationsNotProvided = int.MinValue;

    internal sealed class Request
    {
        public List<string> Groups { get; } = [];

        public bool IncludeAuthorizedOperations { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request();
            var count = reader.ReadNonNullArrayLength(compact: false);
            for (var i = 0; i < count; i++)
            {
                request.Groups.Add(reader.ReadString(compact: false));
            }

            if (version >= 3)
            {
                request.IncludeAuthorizedOperations = reader.ReadBool();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteArrayLength(Groups.Count, compact: false);
            foreach (var group in Groups)
            {
                writer.WriteString(group, compact: false);
            }

            if (version >= 3)
            {
                writer.WriteBool(IncludeAuthorizedOperations);
            }
        }
    }

    internal sealed record Member(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment);

    internal sealed record Group(KafkaErrorCode ErrorCode, string GroupId, string GroupState, string ProtocolType, string ProtocolData, IReadOnlyList<Member> Members);

    internal sealed class Response
    {
        public List<Group> Groups { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            if (version >= 1)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteArrayLength(Groups.Count, compact: false);
            foreach (var group in Groups)
            {
                writer.WriteInt16((short)group.ErrorCode);
                writer.WriteString(group.GroupId, compact: false);
                writer.WriteString(group.GroupState, compact: false);
                writer.WriteString(group.ProtocolType, compact: false);
                writer.WriteString(group.ProtocolData, compact: false);
                writer.WriteArrayLength(group.Members.Count, compact: false);
                foreach (var member in group.Members)
                {
                    writer.WriteString(member.MemberId, compact: false);
                    if (version >= 4)
                    {
                        writer.WriteNullableString(member.GroupInstanceId, compact: false);
                    }

                    writer.WriteString(member.ClientId, compact: false);
                    writer.WriteString(member.ClientHost, compact: false);
                    writer.WriteBytes(member.Metadata, compact: false);
                    writer.WriteBytes(member.Assignment, compact: false);
                }

                if (version >= 3)
                {
                    writer.WriteInt32(OperationsNotProvided);
                }
            }
        }
    }
}
