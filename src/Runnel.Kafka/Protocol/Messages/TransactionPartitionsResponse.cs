namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// AddPartitionsToTxn's (v0–v3) and TxnOffsetCommit's (v0–v3) response, flexible from v3 in both: an error code per
/// partition of each topic.
/// <code>
///   ThrottleTimeMs(int32) Topics[ Name Partitions[ PartitionIndex(int32) ErrorCode(int16) ] ]
/// </code>
/// </summary>
internal sealed class TransactionPartitionsResponse
{
    /// <summary>The first flexible version of both APIs.</summary>
    public const short FirstFlexibleVersion = 3;

    internal sealed record Partition(int PartitionIndex, KafkaErrorCode ErrorCode);

    internal sealed record Topic(string Name, IReadOnlyList<Partition> Partitions) : IKafkaTopic<Partition>;

    public List<Topic> Topics { get; } = [];

    public void Write(ref KafkaWriter writer, short version)
    {
        var compact = version >= FirstFlexibleVersion;
        writer.WriteInt32(0); // throttle time
        writer.WriteTopicArray(Topics, version, compact, static (ref KafkaWriter w, Partition partition, short _, bool _) =>
        {
            w.WriteInt32(partition.PartitionIndex);
            w.WriteInt16((short)partition.ErrorCode);
        });
        if (compact)
        {
            writer.WriteEmptyTaggedFields();
        }
    }

    public static TransactionPartitionsResponse Read(ref KafkaReader reader, short version)
    {
        var compact = version >= FirstFlexibleVersion;
        var response = new TransactionPartitionsResponse();
        reader.ReadInt32();
        response.Topics.AddRange(reader.ReadTopicArray(
            version,
            compact,
            static (ref KafkaReader r, short _, bool _) => new Partition(r.ReadInt32(), (KafkaErrorCode)r.ReadInt16()),
            static (name, partitions) => new Topic(name, partitions)));
        if (compact)
        {
            reader.SkipTaggedFields();
        }

        return response;
    }
}
