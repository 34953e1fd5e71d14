using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runnel.Kafka.Protocol;

namespace Runnel.Kafka.Internal;

/// <summary>
/// One Kafka client connection: a read loop that cuts the stream into size-prefixed frames, decodes each and starts
/// it, and a write loop that sends the answers in request order (Kafka's rule), however the work finishes.
/// <code>
///  socket ──► PipeReader ──► frame (i32 size + request) ──► decode ──► handler task ──► bounded channel
///                                                                                        │ (in order)
///  socket ◄── PipeWriter ◄── response frame ◄──────────────── await each task ◄──────────┘
/// </code>
/// A response's own bytes go through the pipe; a fetch's record batches are attached to its frame by reference and,
/// when large, written from the log's buffers straight to the socket (<see cref="WriteFrameAsync"/>).
/// The channel holds at most <see cref="KafkaListenerOptions.MaxInFlightRequestsPerConnection"/> started requests:
/// when it is full, reading stops (TCP pushes back on the client). A frame whose size prefix is negative or above
/// <see cref="KafkaListenerOptions.MaxRequestBytes"/>, or whose body does not decode, ends the connection: the answers
/// to the requests before it still go out, nothing after it runs.
/// </summary>
internal sealed partial class KafkaConnection(Socket socket, KafkaRequestHandler handler, KafkaListenerOptions options, ILogger logger)
{
    private const int SizePrefixBytes = 4;

    /// <summary>A frame's piece at least this large goes from its own memory to the socket (see <see cref="WriteFrameAsync"/>).</summary>
    private const int DirectWriteBytes = 64 * 1024;

    /// <summary>The read pipe's buffer: a librdkafka Produce carries up to a megabyte, which 4 KiB reads (the pipe's
    /// default) would take in 256 system calls.</summary>
    private const int ReadBufferBytes = 64 * 1024;

    private readonly string _remote = socket.RemoteEndPoint?.ToString() ?? "?";

    /// <summary>The reads this connection's Fetches start for the next Fetch; null when
    /// <see cref="KafkaListenerOptions.FetchReadAheadBytes"/> is 0. Disposed (its buffers released) when the connection ends.</summary>
    private readonly FetchReadAhead? _readAhead = options.FetchReadAheadBytes > 0 ? new FetchReadAhead(options.FetchReadAheadBytes, TimeProvider.System) : null;

    /// <summary>The client's address as Kafka shows it in DescribeGroups ("/127.0.0.1").</summary>
    private readonly string _clientHost = socket.RemoteEndPoint is System.Net.IPEndPoint ip ? "/" + ip.Address : "";

    /// <summary>Serves the connection until the client closes it, a frame is refused, or <paramref name="cancellationToken"/>
    /// fires; never throws. Closes the socket.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stream = new NetworkStream(socket, ownsSocket: true);
        await using (stream.ConfigureAwait(false))
        {
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReadBufferBytes, minimumReadSize: ReadBufferBytes / 4, leaveOpen: true));
            var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            var inFlight = Channel.CreateBounded<Task<ResponseFrame?>>(new BoundedChannelOptions(options.MaxInFlightRequestsPerConnection)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            LogConnected(logger, _remote);
            var writing = WriteLoopAsync(inFlight.Reader, output, stream, stop);
            try
            {
                await ReadLoopAsync(input, inFlight.Writer, stop.Token).ConfigureAwait(false);
            }
            catch (KafkaProtocolException ex)
            {
                LogProtocolError(logger, _remote, ex.Message);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client went away or the listener is stopping.
            }
            catch (Exception ex)
            {
                LogConnectionFailed(logger, _remote, ex);
            }
            finally
            {
                inFlight.Writer.TryComplete();
            }

            await writing.ConfigureAwait(false);

            // Every request has ended (the write loop awaits each): no Fetch starts a read ahead any more.
            _readAhead?.Dispose();
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed by the peer.
            }

            LogDisconnected(logger, _remote);
        }
    }

    private async Task ReadLoopAsync(PipeReader input, ChannelWriter<Task<ResponseFrame?>> inFlight, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            while (TryCutFrame(ref buffer, options.MaxRequestBytes, out var frame))
            {
                // A fresh array per request: the request (and any grain call it starts) owns it, so slices of it (a
                // produced batch) stay valid for as long as anyone holds them. Not zeroed first: the copy fills it.
                var request = GC.AllocateUninitializedArray<byte>((int)frame.Length);
                frame.CopyTo(request);
                var started = Start(request);
                await inFlight.WriteAsync(started, cancellationToken).ConfigureAwait(false);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                if (!buffer.IsEmpty)
                {
                    LogProtocolError(logger, _remote, $"the connection closed inside a frame ({buffer.Length} bytes pending)");
                }

                return;
            }
        }
    }

    /// <summary>Takes one whole frame (without its size prefix) off the front of <paramref name="buffer"/>.</summary>
    /// <exception cref="KafkaProtocolException">The size prefix is negative or above <paramref name="maxRequestBytes"/>.</exception>
    internal static bool TryCutFrame(ref ReadOnlySequence<byte> buffer, int maxRequestBytes, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        if (buffer.Length < SizePrefixBytes)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[SizePrefixBytes];
        buffer.Slice(0, SizePrefixBytes).CopyTo(prefix);
        var size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 0 || size > maxRequestBytes)
        {
            throw new KafkaProtocolException($"A request frame of {size} bytes is outside 0..{maxRequestBytes} (MaxRequestBytes).");
        }

        if (buffer.Length - SizePrefixBytes < size)
        {
            return false;
        }

        frame = buffer.Slice(SizePrefixBytes, size);
        buffer = buffer.Slice(frame.End);
        return true;
    }

    private Task<ResponseFrame?> Start(byte[] request)
    {
        var reader = new KafkaReader(request);
        var header = RequestHeader.Read(ref reader);
        LogRequest(logger, _remote, header.ApiKey, header.ApiVersion, header.CorrelationId);
        return handler.Start(header, ref reader, _clientHost, _readAhead);
    }

    private async Task WriteLoopAsync(ChannelReader<Task<ResponseFrame?>> inFlight, PipeWriter output, Stream stream, CancellationTokenSource stop)
    {
        var broken = false;
        await foreach (var started in inFlight.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            ResponseFrame? frame;
            try
            {
                frame = await started.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A handler bug: the answer cannot be produced and answers must stay in order, so the connection ends.
                LogConnectionFailed(logger, _remote, ex);
                broken = true;
                await stop.CancelAsync().ConfigureAwait(false);
                continue;
            }

            if (frame is null)
            {
                continue;
            }

            using (frame)
            {
                if (broken)
                {
                    continue; // drain: release the answers of requests that were started before the end
                }

                try
                {
                    await WriteFrameAsync(frame, output, stream, stop.Token).ConfigureAwait(false);
                    if (!inFlight.TryPeek(out var next) || !next.IsCompleted)
                    {
                        await output.FlushAsync(stop.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    broken = true;
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }

        if (!broken)
        {
            try
            {
                await output.FlushAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // The peer is gone; nothing more to send.
            }
        }
    }

    /// <summary>
    /// Puts <paramref name="frame"/> on the wire after what <paramref name="output"/> holds: small pieces through the
    /// pipe (so several answers share one send), attached pieces of <see cref="DirectWriteBytes"/> or more straight from
    /// their memory to the socket after a flush, instead of copying a fetch's megabytes into the pipe's 4 KiB segments
    /// and sending those one by one.
    /// </summary>
    private static async ValueTask WriteFrameAsync(ResponseFrame frame, PipeWriter output, Stream stream, CancellationToken cancellationToken)
    {
        foreach (var segment in frame.Segments)
        {
            if (segment.Length < DirectWriteBytes)
            {
                output.Write(segment.Span);
                continue;
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka client {Remote} connected")]
    private static partial void LogConnected(ILogger logger, string remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka client {Remote} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string remote);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Kafka client {Remote}: api {ApiKey} v{ApiVersion} correlation {CorrelationId}")]
    private static partial void LogRequest(ILogger logger, string remote, short apiKey, short apiVersion, int correlationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka client {Remote} sent a request that cannot be served ({Reason}); closing the connection")]
    private static partial void LogProtocolError(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka connection {Remote} failed; closing it")]
    private static partial void LogConnectionFailed(ILogger logger, string remote, Exception exception);
}
