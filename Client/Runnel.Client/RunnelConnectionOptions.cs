using System.Net;
using Runnel.Client.Internal;
using Runnel.Runtime.Client;

namespace Runnel.Client;

/// <summary>How a <see cref="RunnelConnection"/> finds and talks to the cluster. Immutable; change with <c>with</c>.</summary>
public sealed record RunnelConnectionOptions
{
    /// <summary>The port <c>runnel-silo</c> listens on by default.</summary>
    public const int DefaultPort = 7100;

    /// <summary>The defaults below.</summary>
    public static RunnelConnectionOptions Default { get; } = new();

    /// <summary>Seed silos, <c>address:port</c> each, tried in order until one accepts. Default <c>127.0.0.1:7100</c>.</summary>
    public IReadOnlyList<string> Bootstrap { get; init; } = ["127.0.0.1:7100"];

    /// <summary>Must equal the silos' cluster id. Default <c>dev</c>.</summary>
    public string ClusterId { get; init; } = "dev";

    /// <summary>This client's name in the silos' logs. Default <c>runnel-client</c>.</summary>
    public string ClientName { get; init; } = "runnel-client";

    /// <summary>How long one grain call (a produce, a fetch, an admin call) may take before it fails with
    /// <see cref="RunnelErrorCode.OutcomeUnknown"/>; must exceed <see cref="ConsumerOptions.FetchMaxWait"/>. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting to one seed may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses a comma-separated seed list, <c>host:port[,host:port...]</c>; a seed without a port gets
    /// <see cref="DefaultPort"/>, <c>localhost</c> means 127.0.0.1.</summary>
    /// <exception cref="ArgumentException">A seed is not an IP address (or localhost) with a valid port; the message names it.</exception>
    public static IReadOnlyList<string> ParseBootstrap(string bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var seeds = new List<string>();
        foreach (var part in bootstrap.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var text = part.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + part["localhost".Length..] : part;
            if (IPAddress.TryParse(text, out var address) && !text.Contains(':', StringComparison.Ordinal))
            {
                seeds.Add(new IPEndPoint(address, DefaultPort).ToString());
            }
            else if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0)
            {
                seeds.Add(endpoint.ToString());
            }
            else
            {
                throw new ArgumentException($"Bootstrap seed '{part}' is not address:port (e.g. 127.0.0.1:{DefaultPort}).");
            }
        }

        OptionChecks.Require(seeds.Count > 0, $"The bootstrap list '{bootstrap}' names no seed.");
        return seeds;
    }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is not valid; the message names it.</exception>
    public void Validate()
    {
        OptionChecks.Require(Bootstrap is { Count: > 0 }, "RunnelConnectionOptions.Bootstrap must name at least one seed.");
        foreach (var seed in Bootstrap)
        {
            ToRuntimeOptions(seed).Validate();
        }
    }

    internal RunnelClientOptions ToRuntimeOptions(string seed) => RunnelClientOptions.Default with
    {
        Endpoint = seed,
        ClusterId = ClusterId,
        ClientName = ClientName,
        ResponseTimeout = RequestTimeout,
        ConnectTimeout = ConnectTimeout,
    };
}
