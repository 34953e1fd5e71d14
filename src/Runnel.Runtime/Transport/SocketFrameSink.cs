using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Runnel.Serialization;

namespace Runnel.Runtime.Transport;

/// <summary>
/// Sends frames to the socket as one gather list per batch: the small parts of frames (headers, fields) are copied
/// into pooled chunks, attached byte strings (a fetch's stored batches, <see cref="IAttachingBufferWriter"/>) are
/// referenced where they are, and one <c>sendmsg</c> takes them all. This skips the copy of every fetched byte into
/// the transport's pipe. The silo uses it on accepted connections once the handshake is done; the transport's own
/// output pipe is then left unused (and completed at the end, which lets the transport close its side).
/// </summary>
/// <remarks>Not thread-safe: the connection's write loop is its only user.</remarks>
internal sealed class SocketFrameSink : FrameSink, IAttachingBufferWriter
{
    /// <summary>A batch is sent once it holds this many bytes or segments (a bound on one <c>sendmsg</c>'s list).</summary>
    internal const int MaxBatchBytes = 8 << 20;

    internal const int MaxBatchSegments = 256;

    private const int ChunkBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly PipeWriter _transportOutput;
    private readonly List<ArraySegment<byte>> _segments = [];
    private readonly List<byte[]> _spentChunks = [];
    private byte[] _chunk = [];
    private int _chunkUsed;
    private int _segmentStart;
    private long _pendingBytes;

    /// <param name="socket">The connection's socket (sends only; the transport keeps receiving on it).</param>
    /// <param name="transportOutput">The transport's output pipe, never written: completed by <see cref="CompleteAsync"/>.</param>
    public SocketFrameSink(Socket socket, PipeWriter transportOutput)
    {
        _socket = socket;
        _transportOutput = transportOutput;
    }

    public override IBufferWriter<byte> Writer => this;

    public override bool IsFull => _pendingBytes >= MaxBatchBytes || _segments.Count >= MaxBatchSegments;

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_chunk.Length - _chunkUsed))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _chunkUsed += count;
        _pendingBytes += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _chunk.AsMemory(_chunkUsed);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _chunk.AsSpan(_chunkUsed);
    }

    public void WriteAttached(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        if (!MemoryMarshal.TryGetArray(bytes, out var segment))
        {
            this.Write(bytes.Span);
            return;
        }

        CloseCopiedSegment();
        _segments.Add(segment);
        _pendingBytes += segment.Count;
    }

    public override async ValueTask<bool> FlushAsync(CancellationToken cancellationToken)
    {
        CloseCopiedSegment();
        if (_segments.Count == 0)
        {
            return true;
        }

        try
        {
            // A stream socket's gather send completes when all of it is written (or fails).
            var sent = await _socket.SendAsync(_segments, SocketFlags.None).ConfigureAwait(false);
            if (sent != _pendingBytes)
            {
                throw new IOException($"the socket took {sent} of {_pendingBytes} bytes");
            }

            return !cancellationToken.IsCancellationRequested;
        }
        finally
        {
            Reset();
        }
    }

    public override async ValueTask CompleteAsync()
    {
        Reset();
        if (_chunk.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_chunk);
            _chunk = [];
            _chunkUsed = 0;
            _segmentStart = 0;
        }

        await _transportOutput.CompleteAsync().ConfigureAwait(false);
    }

    private void EnsureRoom(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_chunk.Length - _chunkUsed >= need)
        {
            return;
        }

        CloseCopiedSegment();
        if (_chunk.Length > 0)
        {
            _spentChunks.Add(_chunk);
        }

        _chunk = ArrayPool<byte>.Shared.Rent(Math.Max(need, ChunkBytes));
        _chunkUsed = 0;
        _segmentStart = 0;
    }

    private void CloseCopiedSegment()
    {
        if (_chunkUsed > _segmentStart)
        {
            _segments.Add(new ArraySegment<byte>(_chunk, _segmentStart, _chunkUsed - _segmentStart));
            _segmentStart = _chunkUsed;
        }
    }

    /// <summary>Forgets the batch: the current chunk is reused from its start, chunks filled before it go back to the pool.</summary>
    private void Reset()
    {
        _segments.Clear();
        _pendingBytes = 0;
        _chunkUsed = 0;
        _segmentStart = 0;
        foreach (var chunk in _spentChunks)
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        _spentChunks.Clear();
    }
}
