using System.Buffers;

namespace Runnel.Kafka.Protocol.Messages;

/// <summary>
/// The "consumer" protocol type's member metadata and assignment: what a Kafka consumer puts in JoinGroup and reads
/// from SyncGroup (never flexible; big-endian, int16-length strings, int32-count arrays). Read to let the group grain
/// assign for classic members of a server-assigned group, as Kafka 4's mixed groups do.
/// <code>
///   Subscription: Version(int16) Topics[string] UserData(bytes?)
///                 v1+: OwnedPartitions[ Topic(string) Partitions[int32] ]   v2+: GenerationId(int32)   v3+: RackId(string?)
///   Assignment:   Version(int16) AssignedPartitions[ Topic(string) Partitions[int32] ] UserData(bytes?)
/// </code>
/// Fields a later version adds after those are ignored, as Kafka's readers do.
/// </summary>
internal static class ConsumerProtocol
{
    /// <summary>The assignment version written: every version has the same fields.</summary>
    private const short AssignmentVersion = 0;

    /// <summary>A member's subscription: its topics and (v1+) the partitions it still owns.</summary>
    internal sealed record Subscription(IReadOnlyList<string> Topics, IReadOnlyList<(string Topic, int Partition)> OwnedPartitions);

    /// <exception cref="KafkaProtocolException">The metadata does not decode.</exception>
    public static Subscription ReadSubscription(ReadOnlyMemory<byte> metadata)
    {
        var reader = new KafkaReader(metadata);
        var version = reader.ReadInt16();
        if (version < 0)
        {
            throw new KafkaProtocolException($"Consumer subscription version {version} is negative.");
        }

        var topicCount = reader.ReadNonNullArrayLength(compact: false);
        var topics = new List<string>(topicCount);
        for (var i = 0; i < topicCount; i++)
        {
            topics.Add(reader.ReadString(compact: false));
        }

        reader.ReadNullableBytes(compact: false); // user data: the client's assignor's, not ours
        var owned = new List<(string Topic, int Partition)>();
        if (version >= 1)
        {
            var ownedCount = reader.ReadNonNullArrayLength(compact: false);
            for (var i = 0; i < ownedCount; i++)
            {
                var topic = reader.ReadString(compact: false);
                var partitionCount = reader.ReadNonNullArrayLength(compact: false);
                for (var p = 0; p < partitionCount; p++)
                {
                    owned.Add((topic, reader.ReadInt32()));
                }
            }
        }

        return new Subscription(topics, owned);
    }

    /// <summary>An assignment of <paramref name="partitions"/>, grouped by topic, with no user data.</summary>
    public static byte[] WriteAssignment(IEnumerable<(string Topic, int Partition)> partitions)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new KafkaWriter(buffer);
        var byTopic = partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        writer.WriteInt16(AssignmentVersion);
        writer.WriteArrayLength(byTopic.Count, compact: false);
        foreach (var topic in byTopic)
        {
            writer.WriteString(topic.Key, compact: false);
            var indexes = topic.Select(p => p.Partition).Order().ToList();
            writer.WriteArrayLength(indexes.Count, compact: false);
            foreach (var index in indexes)
            {
                writer.WriteInt32(index);
            }
        }

        writer.WriteNullableBytes([], isNull: true, compact: false);
        return buffer.WrittenSpan.ToArray();
    }
}
