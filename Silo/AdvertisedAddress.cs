using System.Net;
using System.Net.Sockets;

namespace Runnel.Silo;

/// <summary>
/// Reads <c>Runnel:Silo:AdvertisedAddress</c> (<c>--advertised-address</c>), the address this silo's peers reach it at:
/// an IP address as it is, or a host name resolved once at start. The name <see cref="MachineToken"/> stands for this
/// machine's own host name, which in a container is the pod or replica and resolves (through its <c>/etc/hosts</c>) to
/// the container's own IP address: the setting for hosts that cannot inject the address itself (Azure Container Apps).
/// </summary>
internal static class AdvertisedAddress
{
    /// <summary>Stands for <see cref="Environment.MachineName"/>.</summary>
    public const string MachineToken = "{machine}";

    /// <summary>
    /// The IP address to advertise for <paramref name="configured"/>, or null with <paramref name="error"/> naming the
    /// field. Of a host name's addresses, the first IPv4 one that is not loopback wins, then the first other
    /// non-loopback one, then loopback (a single host's silos reach each other there). <paramref name="resolve"/> is
    /// the name service (<see cref="Dns.GetHostAddresses(string)"/>) and may throw <see cref="SocketException"/>.
    /// </summary>
    public static string? Resolve(string configured, string machineName, Func<string, IPAddress[]> resolve, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(resolve);
        error = null;
        if (IPAddress.TryParse(configured, out _))
        {
            return configured; // Checked by RunnelSiloOptionsValidator (no wildcard).
        }

        var host = configured == MachineToken ? machineName : configured;
        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            error = $"Runnel:Silo:AdvertisedAddress (--advertised-address) must be an IP address, a host name or {MachineToken} (was '{configured}').";
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = resolve(host);
        }
        catch (SocketException ex)
        {
            error = $"Runnel:Silo:AdvertisedAddress (--advertised-address): host name '{host}' did not resolve ({ex.SocketErrorCode}).";
            return null;
        }

        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? addresses.FirstOrDefault(a => !IPAddress.IsLoopback(a))
            ?? addresses.FirstOrDefault();
        if (chosen is null)
        {
            error = $"Runnel:Silo:AdvertisedAddress (--advertised-address): host name '{host}' has no address.";
            return null;
        }

        return chosen.ToString();
    }
}
