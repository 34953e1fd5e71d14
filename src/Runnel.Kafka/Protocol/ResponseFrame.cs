using System.Buffers;
using System.Buffers.Binary;

namespace Runnel.Kafka.Protocol;

/// <summary>
/// One response on the wire, built in a buffer rented from <see cref="ArrayPool{T}.Shared"/>:
/// <code>
///  +-----------+--------------------+-----------------------------+------------------+
///  | size:i32  | correlation_id:i32 | tagged fields (header v1)   | response body    |
///  +-----------+--------------------+-----------------------------+------------------+
/// </code>
/// <c>size</c> counts everything after itself and is patched in by <see cref="Complete"/>. Header v1 (one empty
/// tagged-field byte) is used by flexible versions except ApiVersions, whose responses always use header v0.
/// </summary>
/// <remarks>Not thread-safe. The owner disposes it once the bytes are written to the socket (or abandoned).</remarks>
internal sealed class ResponseFrame : IBufferWriter<byte>, IDisposable
{
    private const int InitialBytes = 512;

    private byte[] _buffer;
    private int _written;

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

    /// <summary>The whole frame, size prefix included (valid after <see cref="Complete"/>, until <see cref="Dispose"/>).</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _written);

    /// <summary>Patches the size prefix; returns this frame.</summary>
    public ResponseFrame Complete()
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer, _written - 4);
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
