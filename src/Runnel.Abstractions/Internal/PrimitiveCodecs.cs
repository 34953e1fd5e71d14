using System.Buffers.Binary;
using Runnel.Serialization;

namespace Runnel.Internal;

// The built-in codecs for scalar types. Each is a stateless singleton; see WireCodecRegistry for how they are found.

internal sealed class BooleanCodec : IWireCodec<bool>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, bool value) => writer.WriteByte(value ? (byte)1 : (byte)0);

    public bool Read(ref WireReader reader) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw WireReader.Malformed($"boolean {b}"),
    };
}

internal sealed class ByteCodec : IWireCodec<byte>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, byte value) => writer.WriteVarUInt64(value);

    public byte Read(ref WireReader reader) => checked((byte)reader.ReadVarUInt64());
}

internal sealed class SByteCodec : IWireCodec<sbyte>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, sbyte value) => writer.WriteVarInt64(value);

    public sbyte Read(ref WireReader reader) => checked((sbyte)reader.ReadVarInt64());
}

internal sealed class Int16Codec : IWireCodec<short>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, short value) => writer.WriteVarInt64(value);

    public short Read(ref WireReader reader) => checked((short)reader.ReadVarInt64());
}

internal sealed class UInt16Codec : IWireCodec<ushort>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, ushort value) => writer.WriteVarUInt64(value);

    public ushort Read(ref WireReader reader) => checked((ushort)reader.ReadVarUInt64());
}

internal sealed class Int32Codec : IWireCodec<int>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, int value) => writer.WriteVarInt64(value);

    public int Read(ref WireReader reader) => checked((int)reader.ReadVarInt64());
}

internal sealed class UInt32Codec : IWireCodec<uint>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, uint value) => writer.WriteVarUInt64(value);

    public uint Read(ref WireReader reader) => reader.ReadVarUInt32();
}

internal sealed class Int64Codec : IWireCodec<long>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, long value) => writer.WriteVarInt64(value);

    public long Read(ref WireReader reader) => reader.ReadVarInt64();
}

internal sealed class UInt64Codec : IWireCodec<ulong>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, ulong value) => writer.WriteVarUInt64(value);

    public ulong Read(ref WireReader reader) => reader.ReadVarUInt64();
}

internal sealed class CharCodec : IWireCodec<char>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, char value) => writer.WriteVarUInt64(value);

    public char Read(ref WireReader reader) => checked((char)reader.ReadVarUInt64());
}

internal sealed class SingleCodec : IWireCodec<float>
{
    public WireType WireType => WireType.Fixed32;

    public void Write(WireWriter writer, float value) => writer.WriteFixed32(BitConverter.SingleToUInt32Bits(value));

    public float Read(ref WireReader reader) => BitConverter.UInt32BitsToSingle(reader.ReadFixed32());
}

internal sealed class DoubleCodec : IWireCodec<double>
{
    public WireType WireType => WireType.Fixed64;

    public void Write(WireWriter writer, double value) => writer.WriteFixed64(BitConverter.DoubleToUInt64Bits(value));

    public double Read(ref WireReader reader) => BitConverter.UInt64BitsToDouble(reader.ReadFixed64());
}

internal sealed class StringCodec : IWireCodec<string>
{
    public WireType WireType => WireType.Bytes;

    public void Write(WireWriter writer, string value) => writer.WriteString(value);

    public string Read(ref WireReader reader) => reader.ReadString()!;
}

/// <summary>byte[]: copied on read (an array must own its bytes). Prefer <see cref="ReadOnlyMemory{T}"/> to avoid the copy.</summary>
internal sealed class ByteArrayCodec : IWireCodec<byte[]>
{
    public WireType WireType => WireType.Bytes;

    public void Write(WireWriter writer, byte[] value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteBytes(value);
    }

    public byte[] Read(ref WireReader reader)
    {
        var memory = reader.ReadBytesMemory(out var isNull);
        return isNull ? null! : memory.ToArray();
    }
}

/// <summary>ReadOnlyMemory&lt;byte&gt;: read as a slice of the received buffer, no copy (see <see cref="WireReader"/>).</summary>
internal sealed class ReadOnlyMemoryCodec : IWireCodec<ReadOnlyMemory<byte>>
{
    public WireType WireType => WireType.Bytes;

    public void Write(WireWriter writer, ReadOnlyMemory<byte> value) => writer.WriteBytesAttachable(value);

    public ReadOnlyMemory<byte> Read(ref WireReader reader) => reader.ReadBytesMemory(out _);
}

internal sealed class GuidCodec : IWireCodec<Guid>
{
    public WireType WireType => WireType.Fixed128;

    public void Write(WireWriter writer, Guid value)
    {
        value.TryWriteBytes(writer.GetSpan(16));
        writer.Advance(16);
    }

    public Guid Read(ref WireReader reader) => new(reader.ReadRawSpan(16));
}

/// <summary>TimeSpan: its ticks as a zig-zag varint.</summary>
internal sealed class TimeSpanCodec : IWireCodec<TimeSpan>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, TimeSpan value) => writer.WriteVarInt64(value.Ticks);

    public TimeSpan Read(ref WireReader reader) => new(reader.ReadVarInt64());
}

/// <summary>DateTime: <see cref="DateTime.ToBinary"/> (ticks and kind) as 8 bytes.</summary>
internal sealed class DateTimeCodec : IWireCodec<DateTime>
{
    public WireType WireType => WireType.Fixed64;

    public void Write(WireWriter writer, DateTime value) => writer.WriteFixed64((ulong)value.ToBinary());

    public DateTime Read(ref WireReader reader)
    {
        try
        {
            return DateTime.FromBinary((long)reader.ReadFixed64());
        }
        catch (ArgumentException ex)
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, "Malformed message: DateTime out of range.", ex);
        }
    }
}

/// <summary>DateTimeOffset: local ticks (zig-zag varint), then the offset in minutes (zig-zag varint).</summary>
internal sealed class DateTimeOffsetCodec : IWireCodec<DateTimeOffset>
{
    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, DateTimeOffset value)
    {
        writer.WriteVarInt64(value.Ticks);
        writer.WriteVarInt64((long)value.Offset.TotalMinutes);
    }

    public DateTimeOffset Read(ref WireReader reader)
    {
        var ticks = reader.ReadVarInt64();
        var minutes = reader.ReadVarInt64();
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException ex)
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, "Malformed message: DateTimeOffset out of range.", ex);
        }
    }
}

internal sealed class NoResultCodec : IWireCodec<NoResult>
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, NoResult value)
    {
    }

    public NoResult Read(ref WireReader reader) => default;
}

/// <summary>Decimal: its four 32-bit parts, little-endian, as 16 bytes.</summary>
internal sealed class DecimalCodec : IWireCodec<decimal>
{
    public WireType WireType => WireType.Fixed128;

    public void Write(WireWriter writer, decimal value)
    {
        Span<int> parts = stackalloc int[4];
        decimal.GetBits(value, parts);
        var span = writer.GetSpan(16);
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], parts[i]);
        }

        writer.Advance(16);
    }

    public decimal Read(ref WireReader reader)
    {
        var span = reader.ReadRawSpan(16);
        Span<int> parts = stackalloc int[4];
        for (var i = 0; i < 4; i++)
        {
            parts[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..]);
        }

        try
        {
            return new decimal(parts);
        }
        catch (ArgumentException ex)
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, "Malformed message: invalid decimal.", ex);
        }
    }
}
