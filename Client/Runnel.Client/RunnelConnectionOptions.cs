using System.Net;
using Runnel.Client.Internal;
using Runnel.Storage;

namespace Runnel.Client;

/// <summary>How a <see cref="RunnelConnection"/> finds and talks to the cluster. Immutable; change with <c>with</c>.</summary>
public sealed record RunnelConnectionOptions
{
    /// <summary>The port <c>runnel-silo</c> listens on by default.</summary>
    public const int DefaultPort = 7100;

    /// <summary>The defaults below.</summary>
    public static RunnelConnectionOptions Default { get; } = new();

    /// <summary>Seed silos, <c>host:port</c> each — an IP address or a DNS name (containers and Kubernetes address silos
    /// by name; every address a name resolves to is tried) — tried in order until one accepts. Default
    /// <c>127.0.0.1:7100</c>.</summary>
    public IReadOnlyList<string> Bootstrap { get; init; } = ["127.0.0.1:7100"];

    /// <summary>Must equal the silos' cluster id. Default <c>dev</c>.</summary>
    public string ClusterId { get; init; } = "dev";

    /// <summary>This client's name in the silos' logs. Default <c>runnel-client</c>.</summary>
    public string ClientName { get; init; } = "runnel-client";

    /// <summary>How long one grain call (a produce, a fetch, an admin call) may take before it fails with
    /// <see cref="RunnelErrorCode.OutcomeUnknown"/>; must exceed <see cref="ConsumerOptions.FetchMaxWait"/>. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting to one seed may take (the connection to its gateway and the handshake; the seeds are
    /// tried at once). Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The cluster's object store, when this client may read it — on the silos' host, the file store on their data
    /// directory (<c>new FileObjectStore(dataDirectory)</c>); in Azure, a read-only credential's blob store. Consumers then
    /// read catch-up data from sealed segments straight from the store: per fetch, they ask the partition where the offset
    /// lies (a small grain call) and read the stored batches with one ranged read, checking every batch's CRC-32C, instead
    /// of fetching the bytes through the silo. The active segment and anything not sealed are still fetched through the
    /// partition, and so is a read the store fails (a segment deleted by retention meanwhile, say). Reads only; the
    /// connection does not dispose it. Default null: every read goes through the partitions.</summary>
    public IObjectStore? SegmentStore { get; init; }

    /// <summary>Parses a comma-separated seed list, <c>host:port[,host:port...]</c>, where a host is an IP address (IPv6
    /// in brackets when a port follows) or a DNS name; a seed without a port gets <see cref="DefaultPort"/>. Names are
    /// resolved when connecting, not here.</summary>
    /// <exception cref="ArgumentException">A seed is neither an IP address nor a valid host name, or its port is not 1-65535;
    /// the message names it.</exception>
    public static IReadOnlyList<string> ParseBootstrap(string bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var seeds = new List<string>();
        foreach (var part in bootstrap.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            seeds.Add(TryParseSeed(part, out var host, out var port)
                ? FormatSeed(host, port)
                : throw new ArgumentException($"Bootstrap seed '{part}' is not host:port (an IP address or a DNS name, e.g. 127.0.0.1:{DefaultPort} or silo-0.runnel:{DefaultPort})."));
        }

        OptionChecks.Require(seeds.Count > 0, $"The bootstrap list '{bootstrap}' names no seed.");
        return seeds;
    }

    /// <summary>Splits a seed into its host (an IP address or a DNS name) and port (<see cref="DefaultPort"/> when it
    /// has none).</summary>
    internal static bool TryParseSeed(string seed, out string host, out int port)
    {
        host = "";
        port = DefaultPort;
        if (IPAddress.TryParse(seed, out var bare) && (bare.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || !seed.StartsWith('[')))
        {
            host = bare.ToString();
            return true;
        }

        if (IPEndPoint.TryParse(seed, out var endpoint))
        {
            host = endpoint.Address.ToString();
            port = endpoint.Port;
            return port != 0;
        }

        var colon = seed.LastIndexOf(':');
        var name = colon < 0 ? seed : seed[..colon];
        if (colon >= 0 && (!int.TryParse(seed.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }

        if (Uri.CheckHostName(name) != UriHostNameType.Dns)
        {
            return false;
        }

        host = name;
        return true;
    }

    private static string FormatSeed(string host, int port) =>
        IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port).ToString() : $"{host}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is not valid; the message names it.</exception>
    public void Validate()
    {
        OptionChecks.Require(Bootstrap is { Count: > 0 }, "RunnelConnectionOptions.Bootstrap must name at least one seed.");
        foreach (var seed in Bootstrap)
        {
            OptionChecks.Require(TryParseSeed(seed, out _, out _), $"RunnelConnectionOptions.Bootstrap: seed '{seed}' is not host:port.");
        }

        OptionChecks.Require(!string.IsNullOrWhiteSpace(ClusterId), "RunnelConnectionOptions.ClusterId must not be empty.");
        OptionChecks.Require(RequestTimeout > TimeSpan.Zero, $"RunnelConnectionOptions.RequestTimeout must be positive (was {RequestTimeout}).");
        OptionChecks.Require(ConnectTimeout > TimeSpan.Zero, $"RunnelConnectionOptions.ConnectTimeout must be positive (was {ConnectTimeout}).");
    }
}
