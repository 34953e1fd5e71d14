using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runnel.Runtime.Client;

namespace Runnel.Runtime.Transport;

/// <summary>
/// One established connection (after the preamble), on either side: a read loop that cuts the byte stream into
/// frames and hands them to an <see cref="IFrameHandler"/>, and a write loop that drains a bounded outbox into the
/// socket, flushing once per batch of queued frames (so many small responses share one send).
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="SendAsync"/> and <see cref="Close"/> may be called from any thread. Backpressure: the
/// outbox holds at most the configured number of frames; senders wait for room. A frame whose length is outside
/// [2, max] or whose version byte is unknown, or a stream that ends inside a frame, closes the connection with the
/// reason logged; nothing else is affected.
/// </remarks>
internal sealed partial class FrameConnection
{
    private readonly IDuplexPipe _pipe;
    private readonly FrameSink _sink;
    private readonly SocketFrameSource? _source;
    private readonly Channel<IOutgoingFrame> _outbox;
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _stopReading = new();
    private readonly TaskCompletionSource _readingEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxFrameBytes;
    private readonly bool _poolReceiveBuffers;
    private readonly Action _abortTransport;
    private readonly ILogger _logger;
    private int _closeOnce;

    /// <param name="pipe">The transport; the connection completes both halves when it stops.</param>
    /// <param name="name">For logs: the peer and which side.</param>
    /// <param name="maxFrameBytes">The largest frame accepted (length prefix excluded).</param>
    /// <param name="outboxCapacity">How many frames may wait to be written.</param>
    /// <param name="poolReceiveBuffers">Rent received frames from the array pool (the silo, which returns them when a
    /// call completes) or not (the client, whose results may keep slices): there, small frames are allocated and large
    /// ones rented without being returned by the connection (see <see cref="UnsafeReceiveBuffers"/>).</param>
    /// <param name="abortTransport">Drops the socket at once (so a close is seen by the peer and pending reads end).</param>
    /// <param name="logger">Where close reasons go.</param>
    /// <param name="sink">Where frames are written: by default copied into <paramref name="pipe"/>'s output.</param>
    /// <param name="socket">When given, frames are read straight off this socket (<see cref="SocketFrameSource"/>)
    /// instead of <paramref name="pipe"/>'s input, which must then hold no unread bytes.</param>
    public FrameConnection(IDuplexPipe pipe, string name, int maxFrameBytes, int outboxCapacity, bool poolReceiveBuffers, Action abortTransport, ILogger logger, FrameSink? sink = null, Socket? socket = null)
    {
        _pipe = pipe;
        _sink = sink ?? new FrameSink.Pipe(pipe.Output);
        _source = socket is null ? null : new SocketFrameSource(socket, maxFrameBytes, AllocateFrame);
        Name = name;
        _maxFrameBytes = maxFrameBytes;
        _poolReceiveBuffers = poolReceiveBuffers;
        _abortTransport = abortTransport;
        _logger = logger;
        _outbox = Channel.CreateBounded<IOutgoingFrame>(new BoundedChannelOptions(outboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Name { get; }

    /// <summary>True once the connection is closing or closed.</summary>
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Fires when the connection closes.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Runs both loops until the connection closes, then calls <see cref="IFrameHandler.OnClosed"/>.</summary>
    public async Task RunAsync(IFrameHandler handler)
    {
        var writing = WriteLoopAsync();
        try
        {
            await ReadLoopAsync(handler).ConfigureAwait(false);
            _readingEnded.TrySetResult();
            if (_stopReading.IsCancellationRequested)
            {
                // Reading was stopped on purpose (StopReadingAsync): the writer goes on until whoever stopped it closes.
                await WhenClosedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _readingEnded.TrySetResult();
            Close("read loop ended");
            await writing.ConfigureAwait(false);
            while (_outbox.Reader.TryRead(out var frame))
            {
                frame.Release();
            }

            await _pipe.Input.CompleteAsync().ConfigureAwait(false);
            handler.OnClosed(this);
        }
    }

    /// <summary>
    /// Stops reading frames (the writer goes on): completes once the read loop has ended, so no frame is handed to the
    /// handler after that, and the one it was handling (if any) has been handled. Frames the peer sent and this side
    /// did not read are never read. The connection stays open until <see cref="Close"/>. For a graceful goodbye.
    /// </summary>
    public Task StopReadingAsync()
    {
        _stopReading.Cancel();
        _pipe.Input.CancelPendingRead();
        return _readingEnded.Task;
    }

    private async Task WhenClosedAsync()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (_closed.Token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), closed))
        {
            await closed.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Queues a frame. Completes at once when the outbox has room; otherwise waits for room. On a closed
    /// connection the frame is released and dropped (its sender learns of the close through the handler).</summary>
    public ValueTask SendAsync(IOutgoingFrame frame)
    {
        if (_outbox.Writer.TryWrite(frame))
        {
            return default;
        }

        return SendSlowAsync(frame);
    }

    /// <summary>Closes the connection (idempotent; the first reason is logged): stops both loops and drops the
    /// socket. <paramref name="isViolation"/> logs the reason as a warning (the peer broke the protocol).</summary>
    public void Close(string reason, bool isViolation = false)
    {
        if (Interlocked.Exchange(ref _closeOnce, 1) != 0)
        {
            return;
        }

        if (isViolation)
        {
            LogViolation(_logger, Name, reason);
        }
        else
        {
            LogClosed(_logger, Name, reason);
        }

        _closed.Cancel();
        _outbox.Writer.TryComplete();
        _pipe.Input.CancelPendingRead();
        try
        {
            _abortTransport();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or IOException)
        {
            // Already gone.
        }
    }

    private async ValueTask SendSlowAsync(IOutgoingFrame frame)
    {
        try
        {
            await _outbox.Writer.WriteAsync(frame, _closed.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            frame.Release();
        }
    }

    /// <summary>Reads frames until the connection ends, closing it with the reason (a protocol violation is logged as one).</summary>
    private async Task ReadLoopAsync(IFrameHandler handler)
    {
        try
        {
            await (_source is null ? ReadPipeFramesAsync(handler) : ReadSocketFramesAsync(_source, handler)).ConfigureAwait(false);
        }
        catch (FrameException ex)
        {
            Close(ex.Message, isViolation: true);
        }
        catch (RunnelException ex) when (ex.Code == RunnelErrorCode.MalformedMessage)
        {
            Close(ex.Message, isViolation: true);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            Close("read failed: " + ex.Message);
        }
    }

    private async Task ReadPipeFramesAsync(IFrameHandler handler)
    {
        var input = _pipe.Input;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            if (result.IsCanceled)
            {
                return;
            }

            var buffer = result.Buffer;
            try
            {
                while (!_stopReading.IsCancellationRequested && TryCutFrame(ref buffer, out var frame))
                {
                    await handler.OnFrameAsync(this, frame).ConfigureAwait(false);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (_stopReading.IsCancellationRequested)
            {
                return; // what is left in the buffer is never read
            }

            if (result.IsCompleted)
            {
                if (buffer.IsEmpty)
                {
                    Close("the peer closed the connection");
                }
                else
                {
                    Close($"truncated frame: the peer closed the connection {buffer.Length} bytes into a frame", isViolation: true);
                }

                return;
            }
        }
    }

    private bool TryCutFrame(ref ReadOnlySequence<byte> buffer, out ReceivedFrame frame)
    {
        frame = default;
        if (buffer.Length < FrameFormat.LengthBytes)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[FrameFormat.LengthBytes];
        buffer.Slice(0, FrameFormat.LengthBytes).CopyTo(prefix);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length < FrameFormat.MinFrameLength || length > (uint)_maxFrameBytes)
        {
            throw new FrameException($"frame length {length} outside [{FrameFormat.MinFrameLength}, {_maxFrameBytes}]");
        }

        if (buffer.Length < FrameFormat.LengthBytes + length)
        {
            return false;
        }

        var size = (int)length;
        var (array, pooled) = AllocateFrame(size);
        buffer.Slice(FrameFormat.LengthBytes, size).CopyTo(array);
        buffer = buffer.Slice(FrameFormat.LengthBytes + size);
        frame = new ReceivedFrame(array, size, pooled);
        if (array[0] != FrameFormat.Version)
        {
            frame.Return();
            throw new FrameException($"unknown frame version {array[0]}");
        }

        return true;
    }

    /// <summary>The array a received frame of <paramref name="size"/> bytes goes into (see the constructor).</summary>
    private (byte[] Array, bool Pooled) AllocateFrame(int size) =>
        _poolReceiveBuffers ? (ArrayPool<byte>.Shared.Rent(size), true)
        : size >= UnsafeReceiveBuffers.MinPooledFrameBytes ? (UnsafeReceiveBuffers.Rent(size), false)
        : (new byte[size], false);

    private async Task ReadSocketFramesAsync(SocketFrameSource source, IFrameHandler handler)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token, _stopReading.Token);
        while (true)
        {
            ReceivedFrame? frame;
            try
            {
                frame = await source.ReadAsync(reading.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopReading.IsCancellationRequested && !_closed.IsCancellationRequested)
            {
                return; // stopped on purpose; a frame cut short here was never handed over, so never read
            }

            if (frame is not { } received)
            {
                break;
            }

            await handler.OnFrameAsync(this, received).ConfigureAwait(false);
            if (_stopReading.IsCancellationRequested)
            {
                return;
            }
        }

        Close("the peer closed the connection");
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbox.Reader;
        var written = new List<IOutgoingFrame>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                bool open;
                try
                {
                    while (!_sink.IsFull && reader.TryRead(out var frame))
                    {
                        written.Add(frame);
                        frame.TryWriteFrame(_sink.Writer);
                    }

                    open = await _sink.FlushAsync(_closed.Token).ConfigureAwait(false);
                }
                finally
                {
                    // Only now: a sink may have sent straight from the frames' buffers.
                    foreach (var frame in written)
                    {
                        frame.Release();
                    }

                    written.Clear();
                }

                if (!open)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            Close("write failed: " + ex.Message);
        }
        finally
        {
            Close("write loop ended");
            await _sink.CompleteAsync().ConfigureAwait(false);
        }
    }
}
