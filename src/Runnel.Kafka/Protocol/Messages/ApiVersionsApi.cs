namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// ApiVersions (key 18), v0–v4; flexible from v3. The response always goes out with response header v0 (no tagged
/// fields), whatever the version, so that a client that asked with a version the broker does not know can still read
/// it; an unsupported request version is answered at v0 with UNSUPPORTED_VERSION and the full list.
/// </summary>
internal static class ApiVersionsApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 4;
    public const short FirstFlexibleVersion = 3;

    internal sealed class Request
    {
        public string? ClientSoftwareName { get; set; }

        public string? ClientSoftwareVersion { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request();
            if (version >= FirstFlexibleVersion)
            {
                request.ClientSoftwareName = reader.ReadString(compact: true);
                request.ClientSoftwareVersion = reader.ReadString(compact: true);
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            if (version >= FirstFlexibleVersion)
            {
                writer.WriteString(ClientSoftwareName ?? "", compact: true);
                writer.WriteString(ClientSoftwareVersion ?? "", compact: true);
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public List<ApiVersionRange> ApiKeys { get; } = [];

        public int ThrottleTimeMs { get; set; }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            writer.WriteInt16((short)ErrorCode);
            writer.WriteArrayLength(ApiKeys.Count, compact);
            foreach (var key in ApiKeys)
            {
                writer.WriteInt16((short)key.Key);
                writer.WriteInt16(key.Min);
                writer.WriteInt16(key.Max);
                if (compact)
                {
                    writer.WriteEmptyTaggedFields();
                }
            }

            if (version >= 1)
            {
                writer.WriteInt32(ThrottleTimeMs);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var response = new Response { ErrorCode = (KafkaErrorCode)reader.ReadInt16() };
            var count = reader.ReadNonNullArrayLength(compact);
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadInt16();
                var min = reader.ReadInt16();
                var max = reader.ReadInt16();
                response.ApiKeys.Add(new ApiVersionRange((ApiKey)key, min, max, ApiVersionTable.TryGet(key, out var known) ? known.FirstFlexible : short.MaxValue));
                if (compact)
                {
                    reader.SkipTaggedFields();
                }
            }

            if (version >= 1)
            {
                response.ThrottleTimeMs = reader.ReadInt32();
            }

            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
