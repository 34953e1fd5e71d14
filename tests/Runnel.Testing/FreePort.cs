using System.Net;
using System.Net.Sockets;

namespace Runnel.Testing;

/// <summary>Finds free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago (the OS picked it). A caller that binds it later must
    /// handle losing the race to another process.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
