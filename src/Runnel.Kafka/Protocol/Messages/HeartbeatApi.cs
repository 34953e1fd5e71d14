namespace Runnel.Kafka.Protocol.Messages;

/// <summary>Heartbeat (key 12), v0–v3 (none flexible); v3+ carries the group instance id.</summary>
internal static class HeartbeatApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 4; // not offered

    internal sealed class Request
    {
        public string GroupId { get; set; } = "";

        public int GenerationId { get; set; }

        public string MemberId { get; set; } = "";

        public string? GroupInstanceId { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request
            {
                GroupId = reader.ReadString(compact: false),
                GenerationId = reader.ReadInt32(),
                MemberId = reader.ReadString(compact: false),
            };
            if (version >= 3)
            {
                request.GroupInstanceId = reader.ReadNullableString(compact: false);
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteString(GroupId, compact: false);
            writer.WriteInt32(GenerationId);
            writer.WriteString(MemberId, compact: false);
            if (version >= 3)
            {
                writer.WriteNullableString(GroupInstanceId, compact: false);
            }
        }
    }

    /// <summary>Heartbeat and LeaveGroup v0–v1 answer the same: throttle time (v1+) and an error code.</summary>
    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public void Write(ref KafkaWriter writer, short version)
        {
            if (version >= 1)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteInt16((short)ErrorCode);
        }
    }
}
