using System.Text;

namespace Runnel.Client.Tests;

public sealed class PartitionerTests
{
    /// <summary>
    /// Known murmur2 values. The first six are the expected values of Apache Kafka's
    /// clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java (testMurmur2); the rest are the
    /// java_murmur2_results of librdkafka's src/rdmurmur2.c unittest_murmur2 (which checks librdkafka against Java),
    /// including its unaligned suffixes of "1234" and "PreAmbleWillBeRemoved,ThePrePartThatIs" and the empty key.
    /// </summary>
    public static TheoryData<string, int> Vectors => new()
    {
        { "21", -973932308 },
        { "foobar", -790332482 },
        { "a-little-bit-long-string", -985981536 },
        { "a-little-bit-longer-string", -1486304829 },
        { "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971 },
        { "abc", 479470107 },
        { "kafka", unchecked((int)0xd067cf64) },
        { "giberish123456789", unchecked((int)0x8f552b0c) },
        { "1234", unchecked((int)0x9fc97b14) },
        { "234", unchecked((int)0xe7c009ca) },
        { "34", unchecked((int)0x873930da) },
        { "4", unchecked((int)0x5a4b5ca1) },
        { "PreAmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0x78424f1c) },
        { "reAmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0x4a62b377) },
        { "eAmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0xe0e4e09e) },
        { "AmbleWillBeRemoved,ThePrePartThatIs", unchecked((int)0x62b8b43f) },
        { "", unchecked((int)0x106e08d9) },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Hash_KnownKey_MatchesJavaAndLibrdkafka(string key, int expected)
    {
        Murmur2.Hash(Encoding.UTF8.GetBytes(key)).Should().Be(expected);
    }

    /// <summary>Partition = (hash &amp; 0x7fffffff) % n. The negative hashes of "21", "foobar" and "kafka" tell the
    /// mask from Math.Abs: with Abs, "21" would go to 8 of 10, not 0.</summary>
    [Theory]
    [InlineData("21", 3, 0)]
    [InlineData("21", 10, 0)]
    [InlineData("21", 100, 40)]
    [InlineData("foobar", 10, 6)]
    [InlineData("foobar", 100, 66)]
    [InlineData("kafka", 10, 0)]
    [InlineData("kafka", 100, 80)]
    [InlineData("abc", 12, 3)]
    public void Partition_KnownKey_UsesSignMaskNotAbs(string key, int partitions, int expected)
    {
        Murmur2.Partition(Encoding.UTF8.GetBytes(key), partitions).Should().Be(expected);
        Murmur2Partitioner.Instance.Partition("t", Encoding.UTF8.GetBytes(key), keyIsNull: false, partitions).Should().Be(expected);
    }

    [Fact]
    public void Partition_NullKey_IsSticky()
    {
        Murmur2Partitioner.Instance.Partition("t", default, keyIsNull: true, 8).Should().Be(Murmur2Partitioner.Sticky);
    }

    [Fact]
    public void Partition_EmptyKey_IsHashedLikeJava()
    {
        // Java hashes an empty (non-null) key; only null keys are sticky.
        Murmur2Partitioner.Instance.Partition("t", [], keyIsNull: false, 100).Should().Be((0x106e08d9 & 0x7fffffff) % 100);
    }

    [Fact]
    public void Partition_ZeroPartitions_Throws()
    {
        var act = () => Murmur2.Partition("k"u8, 0);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
