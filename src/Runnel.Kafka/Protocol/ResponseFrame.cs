using System.Buffers;
using System.Buffers.Binary;
using Runnel.Buffers;

namespace Runnel.Kafka.Protocol;

/// <summary>
/// One response on the wire, built in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, with large byte fields
/// (a fetch's record batches) attached by reference instead of copied into it:
/// <code>
///  +-----------+--------------------+-----------------------------+------------------------------------------+
///  | size:i32  | correlation_id:i32 | tagged fields (header v1)   | response body                            |
///  +-----------+--------------------+-----------------------------+------------------------------------------+
///  |&lt;──────────────────────── own buffer ─────────────────────────&gt;|&lt; own &gt;|&lt; attached &gt;|&lt; own &gt;|&lt; attached &gt;| ...
/// </code>
/// <c>size</c> counts everything after itself, attached bytes included, and is patched in by <see cref="Complete"/>.
/// Header v1 (one empty tagged-field byte) is used by flexible versions except ApiVersions, whose responses always use
/// header v0. <see cref="Segments"/> gives the frame in wire order: the own buffer cut at each attachment.
/// </summary>
/// <remarks>Not thread-safe. The owner disposes it once the bytes are written to the socket (or abandoned); that returns
/// the buffer and releases the references the frame took on attached pooled bytes.</remarks>
internal sealed class ResponseFrame : IBufferWriter<byte>, IDisposable
{
    private const int InitialBytes = 512;

    private byte[] _buffer;
    private int _written;

    /// <summary>The attachments in order, each with the length of the own buffer written before it.</summary>
    private List<(int Position, ReadOnlyMemory<byte> Bytes)>? _attached;

    private long _attachedBytes;

    public ResponseFrame(int correlationId, bool flexibleHeader)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);
        _written = 4; // size, patched by Complete
        BinaryPrimitives.WriteInt32BigEndian(GetSpan(4), correlationId);
        Advance(4);
        if (flexibleHeader)
        {
            GetSpan(1)[0] = 0;
            Advance(1);
        }
    }

    /// <summary>The frame in wire order, size prefix first (valid after <see cref="Complete"/>, until <see cref="Dispose"/>):
    /// one segment when nothing is attached, otherwise the own buffer's pieces interleaved with the attached bytes.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Segments
    {
        get
        {
            if (_attached is null)
            {
                return [_buffer.AsMemory(0, _written)];
            }

            var segments = new List<ReadOnlyMemory<byte>>(2 * _attached.Count + 1);
            var start = 0;
            foreach (var (position, bytes) in _attached)
            {
                segments.Add(_buffer.AsMemory(start, position - start));
                segments.Add(bytes);
                start = position;
            }

            segments.Add(_buffer.AsMemory(start, _written - start));
            return segments;
        }
    }

    /// <summary>The whole frame's length in bytes, size prefix and attached bytes included.</summary>
    public long Length => _written + _attachedBytes;

    /// <summary>
    /// Adds <paramref name="bytes"/> at the current position without copying them. When they are (a slice of) a
    /// <see cref="PooledBuffer"/> the frame takes a reference of its own, released by <see cref="Dispose"/>; the caller
    /// keeps (and releases) its own. Other memory must stay unchanged until the frame is disposed.
    /// </summary>
    public void Attach(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (PooledBuffer.TryGetFrom(bytes, out var pooled))
        {
            pooled.AddReference();
        }

        (_attached ??= []).Add((_written, bytes));
        _attachedBytes += bytes.Length;
    }

    /// <summary>Patches the size prefix; returns this frame.</summary>
    /// <exception cref="InvalidOperationException">The frame is larger than a Kafka frame can say (2 GiB).</exception>
    public ResponseFrame Complete()
    {
        var size = Length - 4;
        if (size > int.MaxValue)
        {
            throw new InvalidOperationException($"A response of {size} bytes does not fit a Kafka frame.");
        }

        BinaryPrimitives.WriteInt32BigEndian(_buffer, (int)size);
        return this;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var attached = _attached;
        _attached = null;
        _attachedBytes = 0;
        foreach (var (_, bytes) in attached ?? [])
        {
            if (PooledBuffer.TryGetFrom(bytes, out var pooled))
            {
                pooled.Release();
            }
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_buffer.Length * 2)));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
