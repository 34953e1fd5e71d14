namespace Runnel.Kafka.Protocol.Messages;

/// <summary>FindCoordinator (key 10), v0–v2 (what librdkafka 2.16 sends; none is flexible). Key type 0 is a group,
/// 1 a transactional id.</summary>
internal static class FindCoordinatorApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 2;
    public const short FirstFlexibleVersion = 3; // not offered

    public const sbyte GroupKeyType = 0;

    public const sbyte TransactionKeyType = 1;

    internal sealed class Request
    {
        public string Key { get; set; } = "";

        public sbyte KeyType { get; set; } = GroupKeyType;

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request { Key = reader.ReadString(compact: false) };
            if (version >= 1)
            {
                request.KeyType = reader.ReadInt8();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteString(Key, compact: false);
            if (version >= 1)
            {
                writer.WriteInt8(KeyType);
            }
        }
    }

    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public string? ErrorMessage { get; set; }

        public int NodeId { get; set; } = -1;

        public string Host { get; set; } = "";

        public int Port { get; set; } = -1;

        public void Write(ref KafkaWriter writer, short version)
        {
            if (version >= 1)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteInt16((short)ErrorCode);
            if (version >= 1)
            {
                writer.WriteNullableString(ErrorMessage, compact: false);
            }

            writer.WriteInt32(NodeId);
            writer.WriteString(Host, compact: false);
            writer.WriteInt32(Port);
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var response = new Response();
            if (version >= 1)
            {
                reader.ReadInt32();
            }

            response.ErrorCode = (KafkaErrorCode)reader.ReadInt16();
            if (version >= 1)
            {
                response.ErrorMessage = reader.ReadNullableString(compact: false);
            }

            response.NodeId = reader.ReadInt32();
            response.Host = reader.ReadString(compact: false);
            response.Port = reader.ReadInt32();
            return response;
        }
    }
}
