using System.Net;
using System.Net.Sockets;

namespace Runnel.Silo;

/// <summary>
/// <c>runnel-silo --health-check</c>: asks a running silo with the same settings for <c>/healthz</c> and exits 0 when it
/// answers 200, 1 otherwise. The container image's HEALTHCHECK runs it, so the image needs no curl or shell.
/// </summary>
internal static class SiloHealthProbe
{
    /// <summary>Docker's default health-check timeout is 30 s; a live silo answers /healthz at once.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The URL probed: the silo's HTTP port on its listen address, or on loopback when it listens on a
    /// wildcard.</summary>
    public static Uri Target(string listenAddress, int httpPort)
    {
        var address = IPAddress.TryParse(listenAddress, out var parsed) ? parsed : IPAddress.Loopback;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        return new Uri($"http://{new IPEndPoint(address, httpPort)}/healthz");
    }

    public static async Task<int> RunAsync(Uri target, TextWriter stdout, TextWriter stderr)
    {
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(target).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                await stdout.WriteLineAsync($"runnel-silo: {target} is healthy").ConfigureAwait(false);
                return SiloHost.ExitOk;
            }

            await stderr.WriteLineAsync($"runnel-silo: {target} answered {(int)response.StatusCode} {response.StatusCode}").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or SocketException)
        {
            await stderr.WriteLineAsync($"runnel-silo: {target} did not answer: {ex.Message}").ConfigureAwait(false);
        }

        return SiloHost.ExitFailed;
    }
}
