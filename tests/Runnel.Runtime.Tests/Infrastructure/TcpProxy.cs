using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>A TCP forwarder on 127.0.0.1 that a test can cut: <see cref="DropAll"/> closes every forwarded
/// connection at once (as a network failure would), while new connections are still accepted; <see cref="ResponseDelay"/>
/// holds back every chunk the target sends (a slow or distant server), in order.</summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>How long each chunk from the target waits before it is passed on to the client. Default none.</summary>
    public TimeSpan ResponseDelay { get; set; }

    public void DropAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            _sockets.TryRemove(socket, out _);
            socket.Close(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptSocketAsync(_stop.Token);
            var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await outbound.ConnectAsync(_target, _stop.Token);
            _sockets.TryAdd(inbound, 0);
            _sockets.TryAdd(outbound, 0);
            _ = PumpAsync(inbound, outbound, delayed: false);
            _ = PumpAsync(outbound, inbound, delayed: true);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool delayed)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                if (delayed && ResponseDelay > TimeSpan.Zero)
                {
                    await Task.Delay(ResponseDelay);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        from.Close(0);
        to.Close(0);
    }
}
