using System.Buffers.Binary;

namespace Runnel.Client;

/// <summary>
/// The 32-bit MurmurHash2 variant Kafka's Java client uses to partition keyed records (seed <c>0x9747b28c</c>,
/// 4-byte little-endian blocks), and the partition choice built on it. librdkafka's <c>murmur2</c> and
/// <c>murmur2_random</c> partitioners compute the same values, so Runnel, Java and librdkafka-based clients send a
/// key to the same partition.
/// </summary>
public static class Murmur2
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    /// <summary>The hash of <paramref name="data"/>, as Java's signed int.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        var h = Seed ^ (uint)length;
        var blocks = length & ~3;
        for (var i = 0; i < blocks; i += 4)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        switch (length & 3)
        {
            case 3:
                h ^= (uint)data[blocks + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[blocks + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[blocks];
                h *= M;
                break;
        }

        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return (int)h;
    }

    /// <summary>
    /// Kafka's partition for a key: <c>(murmur2(key) &amp; 0x7fffffff) % partitionCount</c>. The mask (Java's
    /// <c>Utils.toPositive</c>), not <c>Math.Abs</c>: a hash of <see cref="int.MinValue"/> maps to 0 like in Java.
    /// </summary>
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return (Hash(key) & 0x7fffffff) % partitionCount;
    }
}
