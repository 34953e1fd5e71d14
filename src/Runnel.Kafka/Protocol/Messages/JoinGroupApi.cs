using System.Buffers;

namespace Runnel.Kafka.Protocol.Messages;

/// <summary>JoinGroup (key 11), v0–v5 (what librdkafka 2.16 sends; none is flexible). v1+ carries a rebalance
/// timeout (v0: the session timeout), v5+ a group instance id. Member ids are handed out on the first join (the v4+
/// MEMBER_ID_REQUIRED round trip is not asked for).</summary>
internal static class JoinGroupApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 5;
    public const short FirstFlexibleVersion = 6; // not offered

    internal sealed record Protocol(string Name, byte[] Metadata);

    internal sealed class Request
    {
        public string GroupId { get; set; } = "";

        public int SessionTimeoutMs { get; set; }

        public int RebalanceTimeoutMs { get; set; }

        public string MemberId { get; set; } = "";

        public string? GroupInstanceId { get; set; }

        public string ProtocolType { get; set; } = "";

        public List<Protocol> Protocols { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var request = new Request
            {
                GroupId = reader.ReadString(compact: false),
                SessionTimeoutMs = reader.ReadInt32(),
            };
            request.RebalanceTimeoutMs = version >= 1 ? reader.ReadInt32() : request.SessionTimeoutMs;
            request.MemberId = reader.ReadString(compact: false);
            if (version >= 5)
            {
                request.GroupInstanceId = reader.ReadNullableString(compact: false);
            }

            request.ProtocolType = reader.ReadString(compact: false);
            var count = reader.ReadNonNullArrayLength(compact: false);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString(compact: false);
                request.Protocols.Add(new Protocol(name, reader.ReadBytes(compact: false).ToArray()));
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteString(GroupId, compact: false);
            writer.WriteInt32(SessionTimeoutMs);
            if (version >= 1)
            {
                writer.WriteInt32(RebalanceTimeoutMs);
            }

            writer.WriteString(MemberId, compact: false);
            if (version >= 5)
            {
                writer.WriteNullableString(GroupInstanceId, compact: false);
            }

            writer.WriteString(ProtocolType, compact: false);
            writer.WriteArrayLength(Protocols.Count, compact: false);
            foreach (var protocol in Protocols)
            {
                writer.WriteString(protocol.Name, compact: false);
                writer.WriteBytes(protocol.Metadata, compact: false);
            }
        }
    }

    internal sealed record Member(string MemberId, string? GroupInstanceId, byte[] Metadata);

    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public int GenerationId { get; set; } = -1;

        public string ProtocolName { get; set; } = "";

        public string Leader { get; set; } = "";

        public string MemberId { get; set; } = "";

        /// <summary>Every member with its metadata for the leader; empty for the others.</summary>
        public List<Member> Members { get; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            if (version >= 2)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt32(GenerationId);
            writer.WriteString(ProtocolName, compact: false);
            writer.WriteString(Leader, compact: false);
            writer.WriteString(MemberId, compact: false);
            writer.WriteArrayLength(Members.Count, compact: false);
            foreach (var member in Members)
            {
                writer.WriteString(member.MemberId, compact: false);
                if (version >= 5)
                {
                    writer.WriteNullableString(member.GroupInstanceId, compact: false);
                }

                writer.WriteBytes(member.Metadata, compact: false);
            }
        }
    }
}
