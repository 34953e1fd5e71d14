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

            writer.WriteArray(Topics, version, compact, static (ref KafkaWriter w, TopicResult topic, short v, bool c) =>
            {
                w.WriteString(topic.Name, c);
                w.WriteInt16((short)topic.ErrorCode);
                if (v >= 5)
                {
                    w.WriteNullableString(topic.ErrorMessage, c);
                }
            });
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

            response.Topics.AddRange(reader.ReadArray(
                version,
                compact,
                static (ref KafkaReader r, short v, bool c) => new TopicResult(r.ReadString(c), (KafkaErrorCode)r.ReadInt16(), v >= 5 ? r.ReadNullableString(c) : null)));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
