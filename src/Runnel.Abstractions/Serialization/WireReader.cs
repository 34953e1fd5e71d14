using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Runnel.Serialization;

/// <summary>
/// Reads values written by <see cref="WireWriter"/> from one contiguous buffer. A stack-only cursor: cheap to
/// create, not thread-safe, never allocates except for the strings, arrays and objects it returns.
/// </summary>
/// <remarks>
/// Buffer ownership: <see cref="ReadBytesMemory"/> returns a slice of the buffer the reader was created over, not
/// a copy. On a silo that buffer is the received frame, owned by the grain call until the call's task completes;
/// a grain that keeps such bytes longer must copy them. On a client the frame buffer is never reused, so slices
/// in results may be kept.
/// Every read checks bounds: a short or bad buffer throws <see cref="RunnelException"/> with
/// <see cref="RunnelErrorCode.MalformedMessage"/>, never reads past the end.
/// </remarks>
public ref struct WireReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public WireReader(ReadOnlyMemory<byte> buffer)
    {
        _memory = buffer;
        _span = buffer.Span;
        _position = 0;
    }

    /// <summary>How many bytes have been read.</summary>
    public readonly int Position => _position;

    /// <summary>How many bytes are left.</summary>
    public readonly int Remaining => _span.Length - _position;

    public byte ReadByte()
    {
        if (_position >= _span.Length)
        {
            ThrowTruncated();
        }

        return _span[_position++];
    }

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Malformed("varint longer than 10 bytes");
    }

    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>A varint that must fit in 32 bits.</summary>
    public uint ReadVarUInt32()
    {
        var value = ReadVarUInt64();
        return value <= uint.MaxValue ? (uint)value : throw Malformed("varint out of range for 32 bits");
    }

    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadRawSpan(4));

    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadRawSpan(8));

    /// <summary>The next <paramref name="count"/> bytes, with no prefix (a view of the buffer).</summary>
    public ReadOnlySpan<byte> ReadRawSpan(int count)
    {
        if (count < 0 || count > Remaining)
        {
            ThrowTruncated();
        }

        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    /// <summary>A byte string written by <see cref="WireWriter.WriteBytes"/>, as a slice of the buffer (no copy);
    /// <c>null</c> was written as 0 and reads as <paramref name="isNull"/> = true with empty memory.</summary>
    public ReadOnlyMemory<byte> ReadBytesMemory(out bool isNull)
    {
        var length = ReadLengthPrefix(out isNull);
        var slice = _memory.Slice(_position, length);
        _position += length;
        return slice;
    }

    public string? ReadString()
    {
        var length = ReadLengthPrefix(out var isNull);
        if (isNull)
        {
            return null;
        }

        try
        {
            var value = Encoding.UTF8.GetString(_span.Slice(_position, length));
            _position += length;
            return value;
        }
        catch (DecoderFallbackException ex)
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, "Invalid UTF-8 in a string.", ex);
        }
    }

    /// <summary>A count written as <c>count + 1</c> (0 = null). Checked against the bytes left, so a hostile
    /// count cannot make a reader allocate more than the message could hold.</summary>
    public int ReadCount(out bool isNull)
    {
        var raw = ReadVarUInt64();
        isNull = raw == 0;
        if (isNull)
        {
            return 0;
        }

        var count = raw - 1;
        return count <= (ulong)Remaining ? (int)count : throw Malformed($"count {count} exceeds the {Remaining} bytes left");
    }

    /// <summary>Reads the next field tag of an object; 0 means the object ends.</summary>
    public ulong ReadTag() => ReadVarUInt64();

    /// <summary>The field id in a tag (see <see cref="WireWriter.WriteField{T}"/>).</summary>
    public static uint FieldId(ulong tag) => (uint)((tag >> 3) - 1);

    /// <summary>Reads a field's value written by <see cref="WireWriter.WriteField{T}"/>.</summary>
    /// <exception cref="RunnelException">The tag's wire type is not the codec's (the member changed type).</exception>
    public T ReadField<T>(ulong tag, IWireCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var wireType = (WireType)(tag & 7);
        if (wireType != codec.WireType)
        {
            throw Malformed($"field {FieldId(tag)} has wire type {wireType}, expected {codec.WireType}");
        }

        if (wireType != WireType.Framed)
        {
            return codec.Read(ref this);
        }

        var length = (int)Math.Min(ReadFixed32(), int.MaxValue);
        if (length > Remaining)
        {
            ThrowTruncated();
        }

        var end = _position + length;
        var value = codec.Read(ref this);
        if (_position > end)
        {
            throw Malformed($"field {FieldId(tag)} overran its frame");
        }

        // A newer writer may have appended data this reader does not know: skip it.
        _position = end;
        return value;
    }

    /// <summary>Skips a field this reader does not know (written by a newer version).</summary>
    public void SkipField(ulong tag)
    {
        switch ((WireType)(tag & 7))
        {
            case WireType.VarInt:
                ReadVarUInt64();
                break;
            case WireType.Fixed32:
                ReadRawSpan(4);
                break;
            case WireType.Fixed64:
                ReadRawSpan(8);
                break;
            case WireType.Fixed128:
                ReadRawSpan(16);
                break;
            case WireType.Bytes:
                ReadBytesMemory(out _);
                break;
            case WireType.Framed:
                ReadRawSpan((int)Math.Min(ReadFixed32(), int.MaxValue));
                break;
            default:
                throw Malformed($"unknown wire type {tag & 7}");
        }
    }

    /// <summary>Checks that every byte was consumed (a call's arguments, a result).</summary>
    public readonly void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw Malformed($"{Remaining} unexpected trailing bytes");
        }
    }

    /// <summary>The error every decoder throws for bad input.</summary>
    public static RunnelException Malformed(string what) =>
        new(RunnelErrorCode.MalformedMessage, $"Malformed message: {what}.");

    private int ReadLengthPrefix(out bool isNull)
    {
        var raw = ReadVarUInt64();
        isNull = raw == 0;
        if (isNull)
        {
            return 0;
        }

        var length = raw - 1;
        if (length > (ulong)Remaining)
        {
            ThrowTruncated();
        }

        return (int)length;
    }

    [DoesNotReturn]
    private static void ThrowTruncated() => throw Malformed("truncated");
}
