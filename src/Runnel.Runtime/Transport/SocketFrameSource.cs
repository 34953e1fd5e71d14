using System.Buffers.Binary;
using System.Net.Sockets;

namespace Runnel.Runtime.Transport;

/// <summary>
/// Cuts frames straight off a socket (the client's side of a connection): small frames out of a receive buffer, and a
/// large frame (a fetch's stored batches) received straight into its own array once its length is known, so that its
/// bytes are copied once, by the kernel, instead of into a pipe and then out of it.
/// </summary>
/// <remarks>Not thread-safe: the connection's read loop is its only user.</remarks>
internal sealed class SocketFrameSource
{
    /// <summary>The receive buffer: frames up to about this size are cut from it; larger ones are read into their own array.</summary>
    internal const int BufferBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly int _maxFrameBytes;
    private readonly Func<int, (byte[] Array, bool Pooled)> _allocate;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    /// <param name="socket">The connected socket, after the handshake.</param>
    /// <param name="maxFrameBytes">The largest frame accepted (length prefix excluded).</param>
    /// <param name="allocate">The array a frame of the given size goes into, and whether it is pooled.</param>
    /// <param name="received">Bytes already read from the socket past the handshake (normally none).</param>
    public SocketFrameSource(Socket socket, int maxFrameBytes, Func<int, (byte[] Array, bool Pooled)> allocate, ReadOnlySpan<byte> received = default)
    {
        _socket = socket;
        _maxFrameBytes = maxFrameBytes;
        _allocate = allocate;
        if (received.Length > _buffer.Length)
        {
            throw new FrameException($"{received.Length} bytes arrived before the first frame was asked for");
        }

        received.CopyTo(_buffer);
        _end = received.Length;
    }

    /// <summary>The next frame, or null when the peer closed the connection between frames.</summary>
    /// <exception cref="FrameException">A length outside [2, max], an unknown version, or a close inside a frame.</exception>
    public async ValueTask<ReceivedFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        while (_end - _start < FrameFormat.LengthBytes)
        {
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return _end == _start ? null : throw Truncated(_end - _start);
            }
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
        if (length < FrameFormat.MinFrameLength || length > (uint)_maxFrameBytes)
        {
            throw new FrameException($"frame length {length} outside [{FrameFormat.MinFrameLength}, {_maxFrameBytes}]");
        }

        var size = (int)length;
        var (array, pooled) = _allocate(size);
        var frame = new ReceivedFrame(array, size, pooled);
        try
        {
            _start += FrameFormat.LengthBytes;
            if (size <= _buffer.Length - FrameFormat.LengthBytes)
            {
                // Small enough for the buffer: wait until all of it is there, then copy it out.
                while (_end - _start < size)
                {
                    if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw Truncated(FrameFormat.LengthBytes + _end - _start);
                    }
                }

                _buffer.AsSpan(_start, size).CopyTo(array);
                _start += size;
            }
            else
            {
                // Large: what is buffered goes first, the rest comes from the socket straight into the frame's array.
                var have = _end - _start;
                _buffer.AsSpan(_start, have).CopyTo(array);
                _start = _end = 0;
                while (have < size)
                {
                    var read = await _socket.ReceiveAsync(array.AsMemory(have, size - have), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw Truncated(FrameFormat.LengthBytes + have);
                    }

                    have += read;
                }
            }

            if (array[0] != FrameFormat.Version)
            {
                throw new FrameException($"unknown frame version {array[0]}");
            }

            return frame;
        }
        catch
        {
            frame.Return();
            throw;
        }
    }

    private static FrameException Truncated(int bytesIntoFrame) =>
        new($"truncated frame: the peer closed the connection {bytesIntoFrame} bytes into a frame");

    /// <summary>Receives more into the buffer (moving what is left to its start first); false when the peer closed.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }
}
