namespace Runnel.Kafka.Protocol.Messages;

/// <summary>DescribeConfigs (key 32), v0–v4; flexible from v4. Resource types: 2 topic, 4 broker.</summary>
internal static class DescribeConfigsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 4;
    public const short FirstFlexibleVersion = 4;

    public const sbyte TopicResource = 2;
    public const sbyte BrokerResource = 4;

    /// <summary>One resource to describe; <paramref name="ConfigurationKeys"/> null means every key.</summary>
    internal sealed record Resource(sbyte ResourceType, string ResourceName, IReadOnlyList<string>? ConfigurationKeys);

    internal sealed class Request
    {
        public List<Resource> Resources { get; } = [];

        public bool IncludeSynonyms { get; set; }

        public bool IncludeDocumentation { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                var type = reader.ReadInt8();
                var name = reader.ReadString(compact);
                var keyCount = reader.ReadArrayLength(compact);
                List<string>? keys = keyCount < 0 ? null : new List<string>(keyCount);
                for (var k = 0; k < keyCount; k++)
                {
                    keys!.Add(reader.ReadString(compact));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Resources.Add(new Resource(type, name, keys));
            }

            if (version >= 1)
            {
                request.IncludeSynonyms = reader.ReadBool();
            }

            if (version >= 3)
            {
                request.IncludeDocumentation = reader.ReadBool();
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
            writer.WriteArrayLength(Resources.Count, compact);
            foreach (var resource in Resources)
            {
                writer.WriteInt8(resource.ResourceType);
                writer.WriteString(resource.ResourceName, compact);
                writer.WriteArrayLength(resource.ConfigurationKeys?.Count ?? -1, compact);
                foreach (var key in resource.ConfigurationKeys ?? [])
                {
                    writer.WriteString(key, compact);
                }

                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (version >= 1)
            {
                writer.WriteBool(IncludeSynonyms);
            }

            if (version >= 3)
            {
                writer.WriteBool(IncludeDocumentation);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    /// <summary>Kafka's config sources (v1+).</summary>
    public const sbyte DynamicTopicConfig = 1;
    public const sbyte DefaultConfig = 5;

    /// <summary>Kafka's config types (v3+).</summary>
    public const sbyte StringType = 2;
    public const sbyte IntType = 3;
    public const sbyte LongType = 5;
    public const sbyte DoubleType = 6;
    public const sbyte ListType = 7;

    /// <summary>One config; <paramref name="Source"/> is Kafka's source code (v0 only says whether it is the default).</summary>
    internal sealed record Config(string Name, string? Value, bool ReadOnly, sbyte Source, bool IsSensitive, sbyte ConfigType, string? Documentation);

    internal sealed record Result(KafkaErrorCode ErrorCode, string? ErrorMessage, sbyte ResourceType, string ResourceName, IReadOnlyList<Config> Configs);

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<Result> Results { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ThrottleTimeMs);
            writer.WriteArrayLength(Results.Count, compact);
            foreach (var result in Results)
            {
                writer.WriteInt16((short)result.ErrorCode);
                writer.WriteNullableString(result.ErrorMessage, compact);
                writer.WriteInt8(result.ResourceType);
                writer.WriteString(result.ResourceName, compact);
                writer.WriteArrayLength(result.Configs.Count, compact);
                foreach (var config in result.Configs)
                {
                    writer.WriteString(config.Name, compact);
                    writer.WriteNullableString(config.Value, compact);
                    writer.WriteBool(config.ReadOnly);
                    if (version == 0)
                    {
                        writer.WriteBool(config.Source == DefaultConfig);
                    }
                    else
                    {
                        writer.WriteInt8(config.Source);
                    }

                    writer.WriteBool(config.IsSensitive);
                    if (version >= 1)
                    {
                        writer.WriteArrayLength(0, compact); // synonyms: Runnel has no broker-level layer under a topic's
                    }

                    if (version >= 3)
                    {
                        writer.WriteInt8(config.ConfigType);
                        writer.WriteNullableString(config.Documentation, compact);
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

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response { ThrottleTimeMs = reader.ReadInt32() };
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                var error = (KafkaErrorCode)reader.ReadInt16();
                var message = reader.ReadNullableString(compact);
                var type = reader.ReadInt8();
                var name = reader.ReadString(compact);
                var configCount = reader.ReadNonNullArrayLength(compact);
                var configs = new List<Config>(configCount);
                for (var c = 0; c < configCount; c++)
                {
                    var key = reader.ReadString(compact);
                    var value = reader.ReadNullableString(compact);
                    var readOnly = reader.ReadBool();
                    var source = version == 0 ? (reader.ReadBool() ? DefaultConfig : DynamicTopicConfig) : reader.ReadInt8();
                    var sensitive = reader.ReadBool();
                    if (version >= 1)
                    {
                        var synonyms = reader.ReadNonNullArrayLength(compact);
                        for (var s = 0; s < synonyms; s++)
                        {
                            reader.ReadString(compact);
                            reader.ReadNullableString(compact);
                            reader.ReadInt8();
                            if (compact)
                            {
                                reader.SkipTaggedFields();
                            }
                        }
                    }

                    sbyte configType = 0;
                    string? documentation = null;
                    if (version >= 3)
                    {
                        configType = reader.ReadInt8();
                        documentation = reader.ReadNullableString(compact);
                    }

                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    configs.Add(new Config(key, value, readOnly, source, sensitive, configType, documentation));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                response.Results.Add(new Result(error, message, type, name, configs));
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
