using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Runnel.Testing;

/// <summary>
/// Self-validating content for crash tests: a writer (the test worker) and a checker (the test) agree on exactly which
/// bytes generation <c>g</c> of block blob <c>k</c>, or block <c>seq</c> of append blob <c>a</c>, holds, so a
/// checker can tell old, new, torn and garbage content apart after a kill.
/// </summary>
/// <remarks>
/// <code>
///   block blob content (k, g)               append block (a, seq)
///   +0   int64  generation g               +0   int32  magic 0x52554E4C ("RUNL")
///   +8   int32  blob k                     +4   int32  blob a
///   +12  int32  payload length n           +8   int64  seq
///   +16  n      payload (seeded by k, g)   +16  int32  payload length n
///   +16+n 32    SHA-256 of bytes before    +20  n      payload (seeded by a, seq)
///                                          +20+n 32    SHA-256 of bytes before
/// </code>
/// All integers little-endian. Sizes vary with the seed so that a torn write would cut through different places.
/// </remarks>
public static class CrashContent
{
    private const int Magic = 0x52554E4C;
    private const int HashBytes = 32;

    /// <summary>The content of generation <paramref name="generation"/> (1, 2, ...) of block blob <paramref name="blob"/>.</summary>
    public static byte[] BlockBlob(int blob, long generation)
    {
        var random = new Random(HashCode(blob, generation, 17));
        var payload = 1024 + random.Next(255 * 1024);
        var bytes = new byte[16 + payload + HashBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, generation);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), blob);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), payload);
        random.NextBytes(bytes.AsSpan(16, payload));
        SHA256.HashData(bytes.AsSpan(0, 16 + payload), bytes.AsSpan(16 + payload));
        return bytes;
    }

    /// <summary>The generation a block blob's content holds; throws naming the defect when the content is not exactly
    /// what <see cref="BlockBlob"/> wrote for some generation of <paramref name="blob"/>.</summary>
    public static long ParseBlockBlob(int blob, ReadOnlySpan<byte> content)
    {
        if (content.Length < 16 + HashBytes)
        {
            throw new InvalidDataException($"block blob {blob}: {content.Length} bytes is too short to be any generation");
        }

        var generation = BinaryPrimitives.ReadInt64LittleEndian(content);
        if (generation < 1 || !content.SequenceEqual(BlockBlob(blob, generation)))
        {
            throw new InvalidDataException($"block blob {blob}: {content.Length} bytes claiming generation {generation} are not that generation's content (torn or mixed)");
        }

        return generation;
    }

    /// <summary>Block <paramref name="seq"/> (0, 1, ...) of append blob <paramref name="blob"/>.</summary>
    public static byte[] AppendBlock(int blob, long seq)
    {
        var random = new Random(HashCode(blob, seq, 31));
        var payload = 16 + random.Next(16 * 1024);
        var bytes = new byte[20 + payload + HashBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), blob);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), seq);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), payload);
        random.NextBytes(bytes.AsSpan(20, payload));
        SHA256.HashData(bytes.AsSpan(0, 20 + payload), bytes.AsSpan(20 + payload));
        return bytes;
    }

    /// <summary>The offsets of blocks 0, 1, ... in an append blob's whole content; throws naming the first defect
    /// (garbage, a torn block, a block out of sequence, bytes after the last whole block).</summary>
    public static IReadOnlyList<long> ParseAppendBlob(int blob, ReadOnlySpan<byte> content)
    {
        var offsets = new List<long>();
        var position = 0;
        while (position < content.Length)
        {
            var expected = AppendBlock(blob, offsets.Count);
            if (content.Length - position < expected.Length || !content.Slice(position, expected.Length).SequenceEqual(expected))
            {
                throw new InvalidDataException($"append blob {blob}: bytes at {position} are not block {offsets.Count} ({content.Length - position} bytes left, the block is {expected.Length})");
            }

            offsets.Add(position);
            position += expected.Length;
        }

        return offsets;
    }

    private static int HashCode(int blob, long n, int salt) => unchecked((int)((blob * 1_000_003L + n * 7_919L + salt) % int.MaxValue));
}
