using System.Buffers;
using System.Runtime.CompilerServices;

namespace Runnel.Log.Batches;

/// <summary>
/// Kafka's variable-length integers: zig-zag encoded, then written seven bits at a time, least significant group
/// first, with the high bit of each byte set when another byte follows (the protobuf encoding).
/// </summary>
/// <remarks>
/// <code>
///   value        zig-zag        bytes
///   0            0              00
///   -1           1              01
///   1            2              02
///   -64          127            7F
///   64           128            80 01
///   int.MaxValue 0xFFFFFFFE     FE FF FF FF 0F
///   int.MinValue 0xFFFFFFFF     FF FF FF FF 0F
/// </code>
/// A varint (int32) takes at most 5 bytes and a varlong (int64) at most 10. Reads reject a longer sequence and a
/// last byte that carries bits beyond the type's width (<see cref="OperationStatus.InvalidData"/>), and report a
/// sequence cut off by the end of the buffer as <see cref="OperationStatus.NeedMoreData"/>. Encodings padded with
/// extra continuation bytes within those bounds are accepted, as Kafka's own reader accepts them; the writers
/// here always write the shortest form. All members are thread-safe and allocation-free.
/// </remarks>
public static class Varint
{
    /// <summary>The longest varint: ceil(32 / 7) bytes.</summary>
    public const int MaxInt32Bytes = 5;

    /// <summary>The longest varlong: ceil(64 / 7) bytes.</summary>
    public const int MaxInt64Bytes = 10;

    /// <summary>Bytes <paramref name="value"/> takes as a varint.</summary>
    public static int SizeOfInt32(int value) => SizeOfUnsigned(ZigZag(value));

    /// <summary>Bytes <paramref name="value"/> takes as a varlong.</summary>
    public static int SizeOfInt64(long value) => SizeOfUnsigned(ZigZag(value));

    /// <summary>Writes <paramref name="value"/> as a varint and returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="SizeOfInt32"/>.</exception>
    public static int WriteInt32(Span<byte> destination, int value) => WriteUnsigned(destination, ZigZag(value));

    /// <summary>Writes <paramref name="value"/> as a varlong and returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="SizeOfInt64"/>.</exception>
    public static int WriteInt64(Span<byte> destination, long value) => WriteUnsigned(destination, ZigZag(value));

    /// <summary>Reads a varint from the start of <paramref name="source"/>.</summary>
    /// <returns><see cref="OperationStatus.Done"/>, <see cref="OperationStatus.NeedMoreData"/> when the buffer ends
    /// mid-varint, or <see cref="OperationStatus.InvalidData"/> when it is longer than 5 bytes or overflows 32 bits.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OperationStatus TryReadInt32(ReadOnlySpan<byte> source, out int value, out int bytesRead)
    {
        // Most record fields (attributes aside) are one byte: read those without the general loop.
        if (!source.IsEmpty && source[0] < 0x80)
        {
            uint one = source[0];
            value = (int)(one >> 1) ^ -(int)(one & 1);
            bytesRead = 1;
            return OperationStatus.Done;
        }

        return TryReadInt32Slow(source, out value, out bytesRead);
    }

    private static OperationStatus TryReadInt32Slow(ReadOnlySpan<byte> source, out int value, out int bytesRead)
    {
        var status = TryReadUnsigned(source, MaxInt32Bytes, out var raw, out bytesRead);
        value = status == OperationStatus.Done ? (int)((uint)raw >> 1) ^ -(int)((uint)raw & 1) : 0;
        return status;
    }

    /// <summary>Reads a varlong from the start of <paramref name="source"/>.</summary>
    /// <returns><see cref="OperationStatus.Done"/>, <see cref="OperationStatus.NeedMoreData"/> when the buffer ends
    /// mid-varlong, or <see cref="OperationStatus.InvalidData"/> when it is longer than 10 bytes or overflows 64 bits.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OperationStatus TryReadInt64(ReadOnlySpan<byte> source, out long value, out int bytesRead)
    {
        if (!source.IsEmpty && source[0] < 0x80)
        {
            ulong one = source[0];
            value = (long)(one >> 1) ^ -(long)(one & 1);
            bytesRead = 1;
            return OperationStatus.Done;
        }

        return TryReadInt64Slow(source, out value, out bytesRead);
    }

    private static OperationStatus TryReadInt64Slow(ReadOnlySpan<byte> source, out long value, out int bytesRead)
    {
        var status = TryReadUnsigned(source, MaxInt64Bytes, out var raw, out bytesRead);
        value = status == OperationStatus.Done ? (long)(raw >> 1) ^ -(long)(raw & 1) : 0;
        return status;
    }

    private static ulong ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static int SizeOfUnsigned(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    private static int WriteUnsigned(Span<byte> destination, ulong value)
    {
        var size = SizeOfUnsigned(value);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes; the varint needs {size}.", nameof(destination));
        }

        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static OperationStatus TryReadUnsigned(ReadOnlySpan<byte> source, int maxBytes, out ulong value, out int bytesRead)
    {
        // Bits the last allowed byte may carry: 32 - 4*7 = 4 for a varint, 64 - 9*7 = 1 for a varlong.
        var lastByteLimit = maxBytes == MaxInt32Bytes ? 0x0F : 0x01;
        value = 0;
        for (var i = 0; i < maxBytes; i++)
        {
            if (i == source.Length)
            {
                bytesRead = i;
                value = 0;
                return OperationStatus.NeedMoreData;
            }

            var b = source[i];
            if (i == maxBytes - 1 && b > lastByteLimit)
            {
                // Either a continuation bit on the last allowed byte (overlong) or bits beyond the type's width.
                bytesRead = i + 1;
                value = 0;
                return OperationStatus.InvalidData;
            }

            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                bytesRead = i + 1;
                return OperationStatus.Done;
            }
        }

        // Unreachable: the last allowed byte either ended the varint or was rejected above.
        bytesRead = maxBytes;
        value = 0;
        return OperationStatus.InvalidData;
    }
}
