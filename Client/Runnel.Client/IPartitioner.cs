namespace Runnel.Client;

/// <summary>
/// Chooses the partition of a record produced without an explicit partition. Called on the producing thread, under
/// the producer's lock: keep it fast, and thread-safe if shared between producers.
/// </summary>
public interface IPartitioner
{
    /// <summary>
    /// The partition for a record of <paramref name="topic"/>, in <c>[0, partitionCount)</c>, or
    /// <see cref="Murmur2Partitioner.Sticky"/> to let the producer use its sticky partition (the partition it fills
    /// until that partition's batch is closed and sent).
    /// </summary>
    /// <param name="key">The serialized key; null for a null key. Valid only during the call.</param>
    int Partition(string topic, ReadOnlySpan<byte> key, bool keyIsNull, int partitionCount);
}
