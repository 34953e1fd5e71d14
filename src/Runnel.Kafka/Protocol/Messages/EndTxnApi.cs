namespace Runnel.Kafka.Protocol.Messages;

/// <summary>EndTxn (key 26), v0–v3; flexible from v3. Commits or aborts the producer's open transaction. v4 (a new
/// error code) and v5 (KIP-890's epoch bump, answering the next producer id and epoch) are not offered: a Kafka producer
/// keeps its epoch across transactions here, as it does on Kafka before KIP-890. Answered with a
/// <see cref="TransactionResponse"/>.</summary>
internal static class EndTxnApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 3;

    internal sealed class Request : TransactionalRequest
    {
        public bool Committed { get; set; }

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            request.ReadHeader(ref reader, compact);
            request.Committed = reader.ReadBool();
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
            writer.WriteBool(Committed);
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }
}
