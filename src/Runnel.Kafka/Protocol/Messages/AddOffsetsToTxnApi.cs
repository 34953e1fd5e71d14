namespace Runnel.Kafka.Protocol.Messages;

/// <summary>AddOffsetsToTxn (key 25), v0–v3; flexible from v3. Adds a consumer group to the producer's open
/// transaction, before TxnOffsetCommit commits that group's offsets inside it. Answered with a
/// <see cref="TransactionResponse"/>.</summary>
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
}
