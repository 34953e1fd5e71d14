using System.Buffers;

namespace Runnel.Kafka.Protocol.Messages;

/// <summary>SyncGroup (key 14), v0–v3 (none flexible): the leader sends every member's assignment, the others send
/// none; each gets its own back. v3+ carries the group instance id.</summary>
internal static class SyncGroupApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 4; // not offered

    internal sealed record Assignment(string MemberId, byte[] Bytes);

    internal sealed class Request
    {
        public string GroupId { get; set; } = "";

        public int GenerationId { get; set; }

        public string MemberId { get; set; } = "";

        public string? GroupInstanceId { get; set; }

        public List<Assignment> Assignments { get; } = [];

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

            var count = reader.ReadNonNullArrayLength(compact: false);
            for (var i = 0; i < count; i++)
            {
                var member = reader.ReadString(compact: false);
                request.Assignments.Add(new Assignment(member, reader.ReadBytes(compact: false).ToArray()));
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

            writer.WriteArrayLength(Assignments.Count, compact: false);
            foreach (var assignment in Assignments)
            {
                writer.WriteString(assignment.MemberId, compact: false);
                writer.WriteBytes(assignment.Bytes, compact: false);
            }
        }
    }

    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public byte[] Assignment { get; set; } = [];

        public void Write(ref KafkaWriter writer, short version)
        {
            if (version >= 1)
            {
                writer.WriteInt32(0); // throttle time
            }

            writer.WriteInt16((short)ErrorCode);
            writer.WriteBytes(Assignment, compact: false);
        }
    }
}
