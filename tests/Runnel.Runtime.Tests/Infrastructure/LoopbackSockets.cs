using System.Net;
using System.Net.Sockets;

namespace Runnel.Runtime.Tests.Infrastructure;

/// <summary>Two connected TCP sockets on 127.0.0.1, for transport tests that drive one end by hand.</summary>
internal static class LoopbackSockets
{
    public static async Task<(Socket Sender, Socket Receiver)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connecting = sender.ConnectAsync(listener.LocalEndPoint!);
        var receiver = await listener.AcceptAsync();
        await connecting;
        return (sender, receiver);
    }
}
