namespace Runnel.Kafka.Protocol.Messages;

/// <summary>AddOffsetsToTxn (key 25), v0–v3; flexible from v3. Adds a consumer group to the producer's open
/// transaction, before TxnOffsetCommit commits that group's offsets inside it.</summary>
internal static class AddOffsetsToTxnApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 3;

    internal sealed class Request : TransactionalRequest
    {
        public string GroupId { get; set; } = "";

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            request.ReadHeader(ref reader, compact);
            request.GroupId = reader.ReadString(compact);
            if (compact)
            {
                reader.SkipTaggedFields();
            }

            return request;
        }

        public void Write(ref KafkaWriter writer, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            WriteHeader(ref writer, compact);
            writer.WriteString(GroupId, compact);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    /// <summary>Throttle time and an error code: AddOffsetsToTxn's and EndTxn's (before v5) response.</summary>
    internal sealed class Response
    {
        public KafkaErrorCode ErrorCode { get; set; }

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteInt32(0); // throttle time
            writer.WriteInt16((short)ErrorCode);
            if (version >= FirstFlexibleVersion)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            reader.ReadInt32();
            var response = new Response { ErrorCode = (KafkaErrorCode)reader.ReadInt16() };
            if (version >= FirstFlexibleVersion)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
