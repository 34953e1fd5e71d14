namespace Runnel.Kafka.Protocol.Messages;

/// <summary>AddPartitionsToTxn (key 24), v0–v3 (the client's form; v4+ is broker-to-broker and not offered); flexible
/// from v3. Adds partitions to the producer's open transaction before it writes transactional batches to them.
/// Answered with a <see cref="TransactionPartitionsResponse"/>.</summary>
internal static class AddPartitionsToTxnApi
{
    public const short MinVersion = 0;
    public const short MaxVersion = 3;
    public const short FirstFlexibleVersion = 3;

    internal sealed record Topic(string Name, IReadOnlyList<int> Partitions);

    internal sealed class Request : TransactionalRequest
    {
        public List<Topic> Topics { get; } = [];

        public static Request Read(ref KafkaReader reader, short version)
        {
            var compact = version >= FirstFlexibleVersion;
            var request = new Request();
            request.ReadHeader(ref reader, compact);
            request.Topics.AddRange(reader.ReadArray(version, compact, static (ref KafkaReader r, short _, bool c) => new Topic(r.ReadString(c), r.ReadInt32Array(c))));
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
            writer.WriteArray(Topics, version, compact, static (ref KafkaWriter w, Topic topic, short _, bool c) =>
            {
                w.WriteString(topic.Name, c);
                w.WriteInt32Array(topic.Partitions, c);
            });
            if (compact)
            {
                writer.WriteEmptyTaggedFields();
            }
        }
    }
}
