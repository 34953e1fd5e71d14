using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Runnel.Buffers;

namespace Runnel.Serialization;

/// <summary>
/// A growable buffer that values are written into, in Runnel's wire format: varints are LEB128 (signed ones
/// zig-zag encoded), fixed-size numbers little-endian, strings UTF-8 with a varint <c>length + 1</c> prefix
/// (0 = null).
/// </summary>
/// <remarks>
/// Not thread-safe: one writer belongs to one call at a time. The buffer is rented from
/// <see cref="ArrayPool{T}.Shared"/> and returned by <see cref="Dispose"/>; <see cref="WrittenMemory"/> is valid
/// only until then. Growing doubles the buffer (one copy of what was written so far).
/// <para><b>Attached bytes.</b> A writer made with <see cref="AttachLargeBytes"/> keeps a reference to a large byte
/// string (<see cref="WriteBytesAttachable"/> of at least <see cref="MinAttachedBytes"/>) instead of
/// copying it, and <see cref="WriteTo"/> writes it in its place: a silo sends stored record batches to the socket
/// without first copying them into the response. The memory must then stay valid and unchanged until the writer is
/// disposed. <see cref="WrittenMemory"/> joins such a writer into one buffer (a copy) when asked.</para>
/// </remarks>
public sealed class WireWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>Byte strings this long or longer are attached rather than copied (when the writer attaches): below it, a
    /// copy is cheaper than an extra segment.</summary>
    public const int MinAttachedBytes = 16 * 1024;

    private byte[] _buffer;
    private int _position;
    private List<(int At, ReadOnlyMemory<byte> Bytes)>? _attached;
    private int _attachedLength;
    private byte[]? _neverAttach;
    private List<PooledBuffer>? _leases;

    /// <summary>Creates a writer with at least <paramref name="initialCapacity"/> bytes of room.</summary>
    public WireWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
    }

    /// <summary>How many bytes have been written (attached ones included).</summary>
    public int WrittenCount => _position + _attachedLength;

    /// <summary>The bytes written so far. Valid until the next write that grows the buffer, or <see cref="Dispose"/>.
    /// Joins attached bytes into the buffer first (one copy of them).</summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            Join();
            return _buffer.AsMemory(0, _position);
        }
    }

    /// <summary>The bytes written so far (same lifetime and cost as <see cref="WrittenMemory"/>).</summary>
    public ReadOnlySpan<byte> WrittenSpan => WrittenMemory.Span;

    /// <summary>Whether <see cref="WriteBytesAttachable"/> attaches large byte strings instead of copying
    /// them (see the remarks). Off by default.</summary>
    public bool AttachLargeBytes { get; private set; }

    /// <summary>Makes this writer attach large byte strings (see the remarks), except slices of
    /// <paramref name="neverAttach"/> (a buffer that is reused before the writer is written out, such as the request
    /// frame a response answers), which are copied.</summary>
    public void EnableAttachments(byte[]? neverAttach = null)
    {
        AttachLargeBytes = true;
        _neverAttach = neverAttach;
    }

    /// <summary>Forgets what was written and keeps the buffer.</summary>
    public void Reset()
    {
        _position = 0;
        _attached = null;
        _attachedLength = 0;
        ReleaseLeases();
    }

    /// <summary>Writes everything written so far, attached bytes in their places, to <paramref name="output"/>. An
    /// <see cref="IAttachingBufferWriter"/> is handed the attached bytes by reference (they must then stay valid until
    /// it has sent them), any other writer gets a copy.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var from = 0;
        if (_attached is { } attached)
        {
            var attaching = output as IAttachingBufferWriter;
            foreach (var (at, bytes) in attached)
            {
                output.Write(_buffer.AsSpan(from, at - from));
                if (attaching is not null)
                {
                    attaching.WriteAttached(bytes);
                }
                else
                {
                    output.Write(bytes.Span);
                }

                from = at;
            }
        }

        output.Write(_buffer.AsSpan(from, _position - from));
    }

    /// <summary>Returns the buffer to the pool. The writer must not be used afterwards.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _position = 0;
        _attached = null;
        _attachedLength = 0;
        ReleaseLeases();
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReleaseLeases()
    {
        if (_leases is { } leases)
        {
            _leases = null;
            foreach (var lease in leases)
            {
                lease.Release();
            }
        }
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _position += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_position);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_position);
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_position++] = value;
    }

    /// <summary>An unsigned LEB128 varint (1 to 10 bytes).</summary>
    public void WriteVarUInt64(ulong value)
    {
        Ensure(10);
        var buffer = _buffer;
        var position = _position;
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
        _position = position;
    }

    /// <summary>A signed varint, zig-zag encoded so small negative numbers stay small.</summary>
    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    public void WriteFixed32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void WriteFixed64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    /// <summary>Copies raw bytes, with no length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>A varint <c>length + 1</c>, then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt64((ulong)bytes.Length + 1);
        WriteRaw(bytes);
    }

    /// <summary>As <see cref="WriteBytes(ReadOnlySpan{byte})"/>, but with <see cref="AttachLargeBytes"/> a string of at
    /// least <see cref="MinAttachedBytes"/> is referenced, not copied: it must stay unchanged until the writer is disposed.
    /// When the bytes are in a <see cref="PooledBuffer"/>, their reference passes to the writer, which releases it when
    /// it is disposed or reset (copied bytes leave the reference where it was).</summary>
    public void WriteBytesAttachable(ReadOnlyMemory<byte> bytes)
    {
        if (!AttachLargeBytes || bytes.Length < MinAttachedBytes
            || (_neverAttach is not null && MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Array == _neverAttach))
        {
            WriteBytes(bytes.Span);
            return;
        }

        WriteVarUInt64((ulong)bytes.Length + 1);
        if ((long)WrittenCount + bytes.Length > Array.MaxLength)
        {
            throw new InvalidOperationException("A wire message cannot exceed 2 GiB.");
        }

        (_attached ??= []).Add((_position, bytes));
        _attachedLength += bytes.Length;
        if (PooledBuffer.TryGetFrom(bytes, out var pooled))
        {
            (_leases ??= []).Add(pooled);
        }
    }

    /// <summary>A varint <c>byteCount + 1</c> (0 for null), then UTF-8.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt64((ulong)byteCount + 1);
        Ensure(byteCount);
        _position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
    }

    /// <summary>Reserves 4 bytes to be filled later by <see cref="PatchFixed32"/>; returns their position.</summary>
    public int ReserveFixed32()
    {
        Ensure(4);
        var position = _position;
        _position += 4;
        return position;
    }

    /// <summary>Overwrites 4 bytes at <paramref name="position"/> (from <see cref="ReserveFixed32"/>).</summary>
    public void PatchFixed32(int position, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(position, 4), value);

    /// <summary>
    /// Writes one member of an object: a varint tag <c>((id + 1) &lt;&lt; 3) | wireType</c>, then the value; a
    /// <see cref="WireType.Framed"/> value is wrapped in a 4-byte length so older readers can skip it.
    /// Tag 0 is reserved for the end of an object (<see cref="WriteEndObject"/>).
    /// </summary>
    public void WriteField<T>(uint id, T value, IWireCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var wireType = codec.WireType;
        WriteVarUInt64((((ulong)id + 1) << 3) | (uint)wireType);
        if (wireType != WireType.Framed)
        {
            codec.Write(this, value);
            return;
        }

        var lengthAt = ReserveFixed32();
        var start = WrittenCount;
        codec.Write(this, value);
        PatchFixed32(lengthAt, (uint)(WrittenCount - start));
    }

    /// <summary>Ends an object's fields (a zero tag).</summary>
    public void WriteEndObject() => WriteByte(0);

    /// <summary>Copies attached bytes into the buffer, in their places.</summary>
    private void Join()
    {
        if (_attached is not { } attached)
        {
            return;
        }

        var total = _position + _attachedLength;
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(total, 256));
        var to = 0;
        var from = 0;
        foreach (var (at, bytes) in attached)
        {
            _buffer.AsSpan(from, at - from).CopyTo(next.AsSpan(to));
            to += at - from;
            bytes.Span.CopyTo(next.AsSpan(to));
            to += bytes.Length;
            from = at;
        }

        _buffer.AsSpan(from, _position - from).CopyTo(next.AsSpan(to));
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
        _position = total;
        _attached = null;
        _attachedLength = 0;
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _position >= count)
        {
            return;
        }

        Grow(count);
    }

    private void Grow(int count)
    {
        var needed = (long)_position + count;
        var size = Math.Max(Math.Max(_buffer.Length * 2L, needed), 256);
        if (size > Array.MaxLength)
        {
            size = needed <= Array.MaxLength ? Array.MaxLength : throw new InvalidOperationException("A wire message cannot exceed 2 GiB.");
        }

        var next = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _position).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
