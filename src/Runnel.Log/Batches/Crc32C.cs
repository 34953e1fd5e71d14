using System.Buffers.Binary;
using System.Numerics;

namespace Runnel.Log.Batches;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF): the checksum of
/// Kafka's RecordBatch v2. Runs on <see cref="BitOperations.Crc32C(uint, ulong)"/>, which uses the CPU's CRC32
/// instruction where there is one, eight bytes per step. Thread-safe, allocation-free.
/// </summary>
public static class Crc32C
{
    private const uint InitialValue = 0xFFFF_FFFF;

    /// <summary>The CRC-32C of <paramref name="data"/>. <c>Compute("123456789"u8)</c> is <c>0xE3069283</c>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(InitialValue, data);

    /// <summary>Advances a raw (not finalised) CRC state over <paramref name="data"/>.</summary>
    internal static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        // The reflected CRC consumes bytes least-significant first, so eight bytes read little-endian
        // are the same eight steps as one byte at a time.
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }
}
