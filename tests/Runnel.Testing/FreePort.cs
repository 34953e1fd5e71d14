using System.Net;
using System.Net.Sockets;

namespace Runnel.Testing;

/// <summary>Finds free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    /// <summary>Every port handed out in this process: the OS may pick a port again as soon as it is released, so two
    /// calls in a row (say a silo's gateway port and its silo-to-silo port) could otherwise get the same one.</summary>
    private static readonly HashSet<int> Given = [];

    /// <summary>A port that was free a moment ago (the OS picked it) and that no earlier call in this process returned.
    /// A caller that binds it later must handle losing the race to another process.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("The OS kept picking loopback ports this process was already given (1,000 tries).");
    }
}
