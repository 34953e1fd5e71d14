namespace Runnel.Kafka.Protocol.Messages;

/// <summary>DeleteTopics (key 20), v0–v5 (by name; v6 deletes by topic id); flexible from v4.</summary>
internal static class DeleteTopicsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 5;
    public const short FirstFlexibleVersion = 4;

    internal sealed class Request
    {
        public List<string> TopicNames { get; } = [];

        public int TimeoutMs { get; set; } = 60_000;

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                request.TopicNames.Add(reader.ReadString(compact));
            }

            request.TimeoutMs = reader.ReadInt32();
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteArrayLength(TopicNames.Count, compact);
            foreach (var name in TopicNames)
            {
                writer.WriteString(name, compact);
            }

            writer.WriteInt32(TimeoutMs);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record TopicResult(string Name, KafkaErrorCode ErrorCode, string? ErrorMessage);

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<TopicResult> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 1)
            {
                writer.WriteInt32(ThrottleTimeMs);
            }

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteInt16((short)topic.ErrorCode);
                if (version >= 5)
                {
                    writer.WriteNullableString(topic.ErrorMessage, compact);
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

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response();
            if (version >= 1)
            {
                response.ThrottleTimeMs = reader.ReadInt32();
            }

            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString(compact);
                var error = (KafkaErrorCode)reader.ReadInt16();
                var message = version >= 5 ? reader.ReadNullableString(compact) : null;
                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Topics.Add(new TopicResult(name, error, message));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
