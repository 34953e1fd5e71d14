using System.Buffers;

namespace Runnel.Buffers;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>.
/// <see cref="Dispose"/> returns the array; spans and memories handed out before are invalid after it, and after
/// any write that grows the buffer. Not thread-safe. Disposing twice is harmless.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 256;

    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = MinimumCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumCapacity));
    }

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (count < 0 || _written + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Advance past the {_buffer.Length - _written} bytes obtained.");
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

    public void Write(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetSpan(data.Length));
        _written += data.Length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        if (buffer.Length == 0)
        {
            return;
        }

        _buffer = [];
        _written = 0;
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Ensure(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var needed = (long)_written + sizeHint;
        var capacity = Math.Max(needed, Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        if (needed > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A pooled buffer cannot grow to {needed} bytes.");
        }

        var larger = ArrayPool<byte>.Shared.Rent((int)capacity);
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
