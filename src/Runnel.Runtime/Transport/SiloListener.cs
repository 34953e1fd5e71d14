using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Transport;

/// <summary>
/// The silo's TCP listener: binds the silo endpoint and hands each accepted socket to the
/// <see cref="SiloConnectionHandler"/>. Its own accept loop, not Kestrel's, so that the connection's frames are read
/// straight off the socket (Kestrel's transport reads every byte into its pipe in 4 KiB receives, to be copied out
/// again). Stopping closes the listening socket; connections already accepted are the handler's to close.
/// </summary>
internal sealed partial class SiloListener : IDisposable
{
    private const int Backlog = 512;

    private readonly Socket _socket;
    private readonly SiloConnectionHandler _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private SiloListener(Socket socket, SiloConnectionHandler handler, ILogger logger)
    {
        _socket = socket;
        _handler = handler;
        _logger = logger;
        Endpoint = (IPEndPoint)socket.LocalEndPoint!;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The bound endpoint (with the real port when 0 was asked for).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Binds <paramref name="endpoint"/> and starts accepting.</summary>
    /// <exception cref="IOException">The endpoint cannot be bound (in use, or not an address of this machine).</exception>
    public static SiloListener Start(IPEndPoint endpoint, SiloConnectionHandler handler, ILogger logger)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            socket.Listen(Backlog);
            return new SiloListener(socket, handler, logger);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"Failed to bind the silo endpoint {endpoint}: {ex.Message} ({ex.SocketErrorCode}).", ex);
        }
    }

    /// <summary>Stops accepting and closes the listening socket; waits for the accept loop to end.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            _socket.Dispose();
        }

        await _accepting.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of descriptors, a connection reset before it was accepted, ...: keep listening.
                LogAcceptFailed(_logger, Endpoint, ex.SocketErrorCode, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
                continue;
            }

            _ = Task.Run(() => _handler.OnAcceptedAsync(accepted));
        }
    }

    [LoggerMessage(310, LogLevel.Warning, "Accepting a connection on {Endpoint} failed ({Error}): {Message}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endpoint, SocketError error, string message);
}
