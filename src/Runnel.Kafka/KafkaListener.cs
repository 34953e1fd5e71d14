using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Kafka.Internal;

namespace Runnel.Kafka;

/// <summary>
/// The silo's Kafka front door: accepts Kafka clients on <see cref="KafkaListenerOptions.Port"/> (plaintext) and
/// serves them from the grains through <see cref="IGrainFactory"/> — Produce, Fetch, ListOffsets, Metadata,
/// ApiVersions, InitProducerId, CreateTopics and DeleteTopics (the versions in ApiVersions). One connection loop per
/// client, answers in request order. Does nothing when the port is 0.
/// </summary>
/// <remarks>Register it after the silo (<c>AddRunnelKafka</c>) so that it starts accepting once the silo serves, and
/// stops (closing every connection) before the silo deactivates its grains. Thread-safe.</remarks>
public sealed partial class KafkaListener(IGrainFactory grains, IOptions<KafkaListenerOptions> options, ILogger<KafkaListener> logger) : IHostedService, IDisposable
{
    /// <summary>Pending connections the OS queues before the accept loop takes them.</summary>
    private const int Backlog = 512;

    /// <summary>Pause after a failed accept (out of file descriptors, ...) so the loop does not spin.</summary>
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly KafkaListenerOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task _accepting = Task.CompletedTask;
    private long _nextConnection;
    private int _disposed;

    /// <summary>The endpoint listened on once started; null when the listener is off.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Port == 0)
        {
            LogDisabled(logger);
            return Task.CompletedTask;
        }

        var endPoint = new IPEndPoint(IPAddress.Parse(_options.ListenAddress), _options.Port);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(Backlog);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"Runnel:Kafka:Port (--kafka-port): cannot listen on {endPoint}: {ex.Message}", ex);
        }

        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        var broker = BrokerIdentity.From(_options, LocalEndPoint.Port);
        var handler = new KafkaRequestHandler(grains, broker, _options, logger);
        _accepting = AcceptLoopAsync(socket, handler, _stopping.Token);
        LogListening(logger, LocalEndPoint.ToString(), broker.Host, broker.Port, broker.NodeId);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _accepting.ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_connections.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout passed; connections end as their sockets close.
        }

        LogStopped(logger);
    }

    /// <summary>Closes the listening socket. Idempotent: the host disposes the instance once per registration (the
    /// listener itself and the hosted service that resolves it).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _socket?.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, KafkaRequestHandler handler, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(logger, ex.Message);
                try
                {
                    await Task.Delay(AcceptRetryDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (_connections.Count >= _options.MaxConnections)
            {
                LogTooManyConnections(logger, _options.MaxConnections);
                client.Dispose();
                continue;
            }

            client.NoDelay = true;
            var id = Interlocked.Increment(ref _nextConnection);
            var connection = new KafkaConnection(client, handler, _options, logger);
            _connections[id] = RunConnectionAsync(id, connection, cancellationToken);
        }
    }

    private async Task RunConnectionAsync(long id, KafkaConnection connection, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(id, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka listener on {EndPoint}, advertised as {Host}:{Port}, node id {NodeId}")]
    private static partial void LogListening(ILogger logger, string endPoint, string host, int port, int nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka listener is off (Runnel:Kafka:Port is 0)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka listener stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka listener: accept failed ({Reason})")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka listener: {Max} connections open (MaxConnections); refusing another")]
    private static partial void LogTooManyConnections(ILogger logger, int max);
}
