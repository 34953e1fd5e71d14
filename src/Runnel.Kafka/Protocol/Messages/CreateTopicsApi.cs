namespace Runnel.Kafka.Protocol.Messages;

/// <summary>CreateTopics (key 19), v0–v7; flexible from v5. Replication factor and replica assignments name brokers,
/// which Runnel does not place partitions on (the store keeps the copies): any factor is accepted; an assignment's
/// only effect is the partition count.</summary>
internal static class CreateTopicsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 7;
    public const short FirstFlexibleVersion = 5;

    internal sealed record Topic(string Name, int NumPartitions, short ReplicationFactor, int AssignmentCount, IReadOnlyList<KeyValuePair<string, string?>> Configs);

    internal sealed class Request
    {
        public List<Topic> Topics { get; } = [];

        public int TimeoutMs { get; set; } = 60_000;

        public bool ValidateOnly { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                var partitions = reader.ReadInt32();
                var replication = reader.ReadInt16();
                var assignments = reader.ReadNonNullArrayLength(compact);
                for (var a = 0; a < assignments; a++)
                {
                    reader.ReadInt32();
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

                var configCount = reader.ReadNonNullArrayLength(compact);
                var configs = new List<KeyValuePair<string, string?>>(configCount);
                for (var c = 0; c < configCount; c++)
                {
                    configs.Add(new(reader.ReadString(compact), reader.ReadNullableString(compact)));
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Topics.Add(new Topic(name, partitions, replication, assignments, configs));
            }

            request.TimeoutMs = reader.ReadInt32();
            if (version >= 1)
            {
                request.ValidateOnly = reader.ReadBool();
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
            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                writer.WriteInt32(topic.NumPartitions);
                writer.WriteInt16(topic.ReplicationFactor);
                writer.WriteArrayLength(topic.AssignmentCount, compact);
                for (var a = 0; a < topic.AssignmentCount; a++)
                {
                    writer.WriteInt32(a);
                    writer.WriteArrayLength(1, compact);
                    writer.WriteInt32(0);
                    if (compact)
                    {
                        writer.WriteEmptyTaggedFields();
                    }
                }

                writer.WriteArrayLength(topic.Configs.Count, compact);
                foreach (var (key, value) in topic.Configs)
                {
                    writer.WriteString(key, compact);
                    writer.WriteNullableString(value, compact);
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

            writer.WriteInt32(TimeoutMs);
            if (version >= 1)
            {
                writer.WriteBool(ValidateOnly);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    /// <summary>A config in a v5+ answer. Source: 1 = a topic override, 5 = the default.</summary>
    internal sealed record ConfigEntry(string Name, string? Value, bool ReadOnly, sbyte ConfigSource, bool IsSensitive);

    internal sealed record TopicResult(string Name, KafkaErrorCode ErrorCode, string? ErrorMessage, int NumPartitions, short ReplicationFactor, IReadOnlyList<ConfigEntry>? Configs);

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<TopicResult> Topics { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            if (version >= 2)
            {
                writer.WriteInt32(ThrottleTimeMs);
            }

            writer.WriteArrayLength(Topics.Count, compact);
            foreach (var topic in Topics)
            {
                writer.WriteString(topic.Name, compact);
                if (version >= 7)
                {
                    writer.WriteUuid(Guid.Empty);
                }

                writer.WriteInt16((short)topic.ErrorCode);
                if (version >= 1)
                {
                    writer.WriteNullableString(topic.ErrorMessage, compact);
                }

                if (version >= 5)
                {
                    writer.WriteInt32(topic.NumPartitions);
                    writer.WriteInt16(topic.ReplicationFactor);
                    writer.WriteArrayLength(topic.Configs?.Count ?? -1, compact);
                    foreach (var config in topic.Configs ?? [])
                    {
                        writer.WriteString(config.Name, compact);
                        writer.WriteNullableString(config.Value, compact);
                        writer.WriteBool(config.ReadOnly);
                        writer.WriteInt8(config.ConfigSource);
                        writer.WriteBool(config.IsSensitive);
                        writer.WriteEmptyTaggedFields();
                    }
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
            if (version >= 2)
            {
                response.ThrottleTimeMs = reader.ReadInt32();
            }

            var topics = reader.ReadNonNullArrayLength(compact);
            for (var t = 0; t < topics; t++)
            {
                var name = reader.ReadString(compact);
                if (version >= 7)
                {
                    reader.ReadUuid();
                }

                var error = (KafkaErrorCode)reader.ReadInt16();
                var message = version >= 1 ? reader.ReadNullableString(compact) : null;
                var partitions = -1;
                short replication = -1;
                List<ConfigEntry>? configs = null;
                if (version >= 5)
                {
                    partitions = reader.ReadInt32();
                    replication = reader.ReadInt16();
                    var count = reader.ReadArrayLength(compact);
                    if (count >= 0)
                    {
                        configs = new List<ConfigEntry>(count);
                        for (var c = 0; c < count; c++)
                        {
                            configs.Add(new ConfigEntry(reader.ReadString(compact), reader.ReadNullableString(compact), reader.ReadBool(), reader.ReadInt8(), reader.ReadBool()));
                            reader.SkipTaggedFields();
                        }
                    }
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Topics.Add(new TopicResult(name, error, message, partitions, replication, configs));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
