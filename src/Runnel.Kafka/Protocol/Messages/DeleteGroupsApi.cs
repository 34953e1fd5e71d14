namespace Runnel.Kafka.Protocol.Messages;

/// <summary>DeleteGroups (key 42), v0–v2; flexible from v2. Only a group with no members can be deleted
/// (NON_EMPTY_GROUP otherwise), as in Kafka.</summary>
internal static class DeleteGroupsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 2;
    public const short FirstFlexibleVersion = 2;

    internal sealed class Request
    {
        public List<string> Groups { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                request.Groups.Add(reader.ReadString(compact));
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
            writer.WriteArrayLength(Groups.Count, compact);
            foreach (var group in Groups)
            {
                writer.WriteString(group, compact);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record Result(string GroupId, KafkaErrorCode ErrorCode);

    internal sealed class Response
    {
        public List<Result> Results { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(0); // throttle time
            writer.WriteArrayLength(Results.Count, compact);
            foreach (var result in Results)
            {
                writer.WriteString(result.GroupId, compact);
                writer.WriteInt16((short)result.ErrorCode);
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
