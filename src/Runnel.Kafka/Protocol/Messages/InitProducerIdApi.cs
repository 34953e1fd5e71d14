namespace Runnel.Kafka.Protocol.Messages;

/// <summary>InitProducerId (key 22), v0–v4; flexible from v2. Idempotent producers (no transactional id) and
/// transactional ones (the transactional id's coordinator bumps its epoch).</summary>
internal static class InitProducerIdApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 4;
    public const short FirstFlexibleVersion = 2;

    internal sealed class Request
    {
        public string? TransactionalId { get; set; }

        public int TransactionTimeoutMs { get; set; }

        /// <summary>v3+: the producer's current id when it asks for an epoch bump (KIP-360), else -1.</summary>
        public long ProducerId { get; set; } = -1;

        public short ProducerEpoch { get; set; } = -1;

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request
            {
                TransactionalId = reader.ReadNullableString(compact),
                TransactionTimeoutMs = reader.ReadInt32(),
            };
            if (version >= 3)
            {
                request.ProducerId = reader.ReadInt64();
                request.ProducerEpoch = reader.ReadInt16();
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
            writer.WriteNullableString(TransactionalId, compact);
            writer.WriteInt32(TransactionTimeoutMs);
            if (version >= 3)
            {
                writer.WriteInt64(ProducerId);
                writer.WriteInt16(ProducerEpoch);
            }

            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }

    internal sealed class Response
    {
        public int ThrottleTimeMs { get; set; }

        public KafkaErrorCode ErrorCode { get; set; }

        public long ProducerId { get; set; } = -1;

        public short ProducerEpoch { get; set; } = -1;

        public void Write(ref KafkaWriter writer, short version)
        {
            writer.WriteInt32(ThrottleTimeMs);
            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt64(ProducerId);
            writer.WriteInt16(ProducerEpoch);
            if (version >= FirstFlexibleVersion)
            {
                writer.WriteEmptyTaggedFields();
            }
        }

        public static Response Read(ref KafkaReader reader, short version)
        {
            var response = new Response
            {
                ThrottleTimeMs = reader.ReadInt32(),
                ErrorCode = (KafkaErrorCode)reader.ReadInt16(),
                ProducerId = reader.ReadInt64(),
                ProducerEpoch = reader.ReadInt16(),
            };
            if (version >= FirstFlexibleVersion)
            {
                reader.SkipTaggedFields();
            }

            return response;
        }
    }
}
