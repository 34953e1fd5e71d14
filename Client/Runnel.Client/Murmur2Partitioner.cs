namespace Runnel.Client;

/// <summary>
/// Kafka's default partitioning: a keyed record goes to <see cref="Murmur2.Partition"/> of its key bytes (an empty
/// key is a key, hashed like any other, as in the Java client); a null-keyed record goes to the sticky partition.
/// The default partitioner of <see cref="ProducerOptions.Partitioner"/>. Stateless, thread-safe.
/// </summary>
public sealed class Murmur2Partitioner : IPartitioner
{
    /// <summary>Returned by a partitioner for "no preference: use the sticky partition".</summary>
    public const int Sticky = -1;

    public static Murmur2Partitioner Instance { get; } = new();

    public int Partition(string topic, ReadOnlySpan<byte> key, bool keyIsNull, int partitionCount) =>
        keyIsNull ? Sticky : Murmur2.Partition(key, partitionCount);
}
