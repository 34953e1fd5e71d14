namespace Runnel.Kafka.Protocol.Messages;

/// <summary>LeaveGroup (key 13), v0–v1 (what librdkafka 2.16 sends): one member leaves. The response has
/// <see cref="HeartbeatApi.Response"/>'s shape.</summary>
internal static class LeaveGroupApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 1;
    public const short FirstFlexibleVersion = 4; // not offered

    internal sealed class Request
    {
        public string GroupId { get; set; } = "";

        public string MemberId { get; set; } = "";

        public static Request Read(ref KafkaReader reader, short version) => new()
        {
            GroupId = reader.ReadString(compact: false),
            MemberId = reader.ReadString(compact: false),
        };

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteString(GroupId, compact: false);
            writer.WriteString(MemberId, compact: false);
        }
    }
}
