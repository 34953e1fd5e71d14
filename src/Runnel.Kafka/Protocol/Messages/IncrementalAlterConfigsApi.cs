namespace Runnel.Kafka.Protocol.Messages;

/// <summary>IncrementalAlterConfigs (key 44), v0–v1; flexible from v1. Operations: 0 set, 1 delete (back to the
/// default), 2 append and 3 subtract (list configs: cleanup.policy).</summary>
internal static class IncrementalAlterConfigsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 1;
    public const short FirstFlexibleVersion = 1;

    public const sbyte Set = 0;
    public const sbyte Delete = 1;
    public const sbyte Append = 2;
    public const sbyte Subtract = 3;

    internal sealed record ConfigChange(string Name, sbyte Operation, string? Value);

    internal sealed record Resource(sbyte ResourceType, string ResourceName, IReadOnlyList<ConfigChange> Configs);

    internal sealed class Request
    {
        public List<Resource> Resources { get; } = [];

        public bool ValidateOnly { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                var type = reader.ReadInt8();
                var name = reader.ReadString(compact);
                var configCount = reader.ReadNonNullArrayLength(compact);
                var configs = new List<ConfigChange>(configCount);
                for (var c = 0; c < configCount; c++)
                {
                    var key = reader.ReadString(compact);
                    var operation = reader.ReadInt8();
                    var value = reader.ReadNullableString(compact);
                    if (compact)
                    {
                        reader.SkipTaggedFields();
                    }

                    configs.Add(new ConfigChange(key, operation, value));
                }

                if (compact)
                {
                    reader.SkipTaggedFields();
                }

                request.Resources.Add(new Resource(type, name, configs));
            }

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
            writer.WriteArrayLength(Resources.Count, compact);
            foreach (var resource in Resources)
            {
                writer.WriteInt8(resource.ResourceType);
                writer.WriteString(resource.ResourceName, compact);
                writer.WriteArrayLength(resource.Configs.Count, compact);
                foreach (var config in resource.Configs)
                {
                    writer.WriteString(config.Name, compact);
                    writer.WriteInt8(config.Operation);
                    writer.WriteNullableString(config.Value, compact);
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

            writer.WriteBool(ValidateOnly);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed record Result(KafkaErrorCode ErrorCode, string? ErrorMessage, sbyte ResourceType, string ResourceName);

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public List<Result> Results { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt32(ThrottleTimeMs);
            writer.WriteArray(Results, version, compact, static (ref KafkaWriter w, Result result, short _, bool c) =>
            {
                w.WriteInt16((short)result.ErrorCode);
                w.WriteNullableString(result.ErrorMessage, c);
                w.WriteInt8(result.ResourceType);
                w.WriteString(result.ResourceName, c);
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
                static (ref KafkaReader r, short _, bool c) => new Result((KafkaErrorCode)r.ReadInt16(), r.ReadNullableString(c), r.ReadInt8(), r.ReadString(c))));
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
