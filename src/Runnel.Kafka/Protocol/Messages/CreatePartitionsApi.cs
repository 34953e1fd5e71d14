namespace Runnel.Kafka.Protocol.Messages;

/// <summary>CreatePartitions (key 37), v0–v3; flexible from v2. Grows each topic to its count; replica assignments
/// are read and refused (Runnel's copies are the store's).</summary>
internal static class CreatePartitionsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 2;

    /// <summary>One topic: its new total count and how many assignments the request listed (null: none).</summary>
    internal sealed record Topic(string Name, int Count, int? AssignmentCount);

    internal sealed class Request
    {
        public List<Topic> Topics { get; } = [];

        public int TimeoutMs { get; set; } = 30_000;

        public bool ValidateOnly { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var count = reader.ReadInt32();
                var assignments = reader.ReadArrayLength(compact);
                for (var a = 0; a < assignments; a++)
                {
                    var brokers = reader.ReadNonNullArrayLength(compact);
                    for (var b = 0; b < brokers; b++)
                    {
                        reader.ReadInt32();
                    }

                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new Topic(name, count, assignments < 0 ? null : assignments));
            }

            request.TimeoutMs = reader.ReadInt32();
            request.ValidateOnly = reader.ReadBool();
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteInt32(topic.Count);
                if (topic.AssignmentCount is not { } assignments)
                {
                    writer.WriteArrayLength(-1, compact);
                }
                else
                {
                    writer.WriteArrayLength(assignments, compact);
                    for (var a = 0; a < assignments; a++)
                    {
                        writer.WriteArrayLength(1, compact);
                        writer.WriteInt32(0);
                        if (compact)
                        {
                            writer.WriteEmptyTaggedFields();
                        }
                    }
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            writer.WriteInt32(TimeoutMs);
            writer.WriteBool(ValidateOnly);
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

        public List<TopicResult> Results { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ThrottleTimeMs);
            writer.WriteArray(Results, version, compact, static (ref KafkaWriter w, TopicResult result, short _, bool c) =>
            {
                w.WriteString(result.Name, c);
                w.WriteInt16((short)result.ErrorCode);
                w.WriteNullableString(result.ErrorMessage, c);
            });
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response { ThrottleTimeMs = reader.ReadInt32() };
            response.Results.AddRange(reader.ReadArray(
                version,
                compact,
                static (ref KafkaReader r, short _, bool c) => new TopicResult(r.ReadString(c), (KafkaErrorCode)r.ReadInt16(), r.ReadNullableString(c))));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
