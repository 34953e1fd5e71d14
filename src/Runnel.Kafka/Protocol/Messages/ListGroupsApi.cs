namespace Runnel.Kafka.Protocol.Messages;

/// <summary>ListGroups (key 16), v0–v5; flexible from v3. v4+ filters by state, v5+ by type ("classic" or
/// "consumer"); an empty filter matches everything.</summary>
internal static class ListGroupsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 5;
    public const short FirstFlexibleVersion = 3;

    internal sealed class Request
    {
        public List<string> StatesFilter { get; } = [];

        public List<string> TypesFilter { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            if (version >= 4)
            {
                ReadStrings(ref reader, compact, request.StatesFilter);
            }

            if (version >= 5)
            {
                ReadStrings(ref reader, compact, request.TypesFilter);
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
            if (version >= 4)
            {
                WriteStrings(ref writer, compact, StatesFilter);
            }

            if (version >= 5)
            {
                WriteStrings(ref writer, compact, TypesFilter);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        private static void WriteStrings(ref KafkaWriter writer, bool compact, List<string> values)
        {
            writer.WriteArrayLength(values.Count, compact);
            foreach (var value in values)
            {
                writer.WriteString(value, compact);
            }
        }

        private static void ReadStrings(ref KafkaReader reader, bool compact, List<string> into)
        {
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                into.Add(reader.ReadString(compact));
            }
        }
    }

    internal sealed record Group(string GroupId, string ProtocolType, string GroupState, string GroupType);

    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public List<Group> Groups { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 1)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteInt16((short)ErrorCode);
            writer.WriteArrayLength(Groups.Count, compact);
            foreach (var group in Groups)
            {
                writer.WriteString(group.GroupId, compact);
                writer.WriteString(group.ProtocolType, compact);
                if (version >= 4)
                {
                    writer.WriteString(group.GroupState, compact);
                }

                if (version >= 5)
                {
                    writer.WriteString(group.GroupType, compact);
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
