using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Runnel.Log.Batches;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF): the checksum of
/// Kafka's RecordBatch v2. Runs on <see cref="BitOperations.Crc32C(uint, ulong)"/>, which uses the CPU's CRC32
/// instruction where there is one, eight bytes per step. Inputs of at least <see cref="StripeBytes"/> × 3 bytes run
/// three independent CRC chains side by side (the instruction's latency is about three times its issue interval, so
/// one chain leaves two thirds of the unit idle) and join them with <see cref="Shift"/>. Thread-safe, allocation-free
/// after the type's first use.
/// </summary>
public static class Crc32C
{
    private const uint InitialValue = 0xFFFF_FFFF;

    /// <summary>The length of each of the three stripes one step of the interleaved loop covers.</summary>
    private const int StripeBytes = 4096;

    /// <summary><c>ShiftTable[k * 256 + b]</c> is the raw CRC state <c>b &lt;&lt; 8k</c> advanced over
    /// <see cref="StripeBytes"/> zero bytes. The raw update is linear over GF(2) in (state, data), so advancing any
    /// state over that many zeros is the XOR of its four bytes' entries.</summary>
    private static readonly uint[] ShiftTable = BuildShiftTable();

    /// <summary>The CRC-32C of <paramref name="data"/>. <c>Compute("123456789"u8)</c> is <c>0xE3069283</c>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(InitialValue, data);

    /// <summary>Advances a raw (not finalised) CRC state over <paramref name="data"/>.</summary>
    /// <remarks>Compiled fully optimised at first call: called once per batch, the loop would otherwise run as
    /// quick-jitted or on-stack-replaced code for much of a short process's life (a consumer's first second).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 3 * StripeBytes)
        {
            // Three chains over three adjacent stripes; the 2nd and 3rd start from zero and are joined by linearity:
            // crc(s, A|B) = shift(crc(s, A), |B|) ^ crc(0, B).
            uint a = state, b = 0, c = 0;
            var first = data[..StripeBytes];
            var second = data.Slice(StripeBytes, StripeBytes);
            var third = data.Slice(2 * StripeBytes, StripeBytes);
            for (var i = 0; i < StripeBytes; i += sizeof(ulong))
            {
                a = BitOperations.Crc32C(a, BinaryPrimitives.ReadUInt64LittleEndian(first[i..]));
                b = BitOperations.Crc32C(b, BinaryPrimitives.ReadUInt64LittleEndian(second[i..]));
                c = BitOperations.Crc32C(c, BinaryPrimitives.ReadUInt64LittleEndian(third[i..]));
            }

            state = Shift(Shift(a) ^ b) ^ c;
            data = data[(3 * StripeBytes)..];
        }

        return UpdateSerial(state, data);
    }

    /// <summary>One chain, eight bytes per step. The reflected CRC consumes bytes least-significant first, so eight
    /// bytes read little-endian are the same eight steps as one byte at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint UpdateSerial(uint state, ReadOnlySpan<byte> data)
    {
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

    /// <summary>The raw state <paramref name="state"/> advanced over <see cref="StripeBytes"/> zero bytes.</summary>
    private static uint Shift(uint state)
    {
        var table = ShiftTable;
        return table[(byte)state] ^ table[256 + (byte)(state >> 8)] ^ table[512 + (byte)(state >> 16)] ^ table[768 + (state >> 24)];
    }

    private static uint[] BuildShiftTable()
    {
        ReadOnlySpan<byte> zeros = new byte[StripeBytes];
        var table = new uint[4 * 256];
        for (var k = 0; k < 4; k++)
        {
            for (var b = 0; b < 256; b++)
            {
                table[(k * 256) + b] = UpdateSerial((uint)b << (8 * k), zeros);
            }
        }

        return table;
    }
}
