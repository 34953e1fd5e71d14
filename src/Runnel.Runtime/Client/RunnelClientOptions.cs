using System.Net;

namespace Runnel.Runtime.Client;

/// <summary>How a <see cref="RunnelClient"/> connects and calls. Immutable; change with <c>with</c>.</summary>
public sealed record RunnelClientOptions
{
    /// <summary>The defaults below.</summary>
    public static RunnelClientOptions Default { get; } = new();

    /// <summary>The first silo to connect to, <c>address:port</c>: the client learns the cluster's view from it (or
    /// from one of <see cref="Seeds"/>) and then calls each grain's owner directly. Default <c>127.0.0.1:11111</c>.</summary>
    public string Endpoint { get; init; } = "127.0.0.1:11111";

    /// <summary>More silos to learn the view from when <see cref="Endpoint"/> does not answer (tried in order, at
    /// connect time and whenever no known silo answers). Default none.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>How often the client re-reads the view from a silo when nothing else prompted it (a
    /// <see cref="RunnelErrorCode.WrongOwner"/> answer or an unreachable owner refreshes it at once). Default 10 s.</summary>
    public TimeSpan ViewRefreshPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A call on a connection that has waited this long for its answer makes the client re-read the view (from
    /// another silo first), at most once per sweep (every 250 ms or less): a silo that hangs (paused, its TCP connection still open) answers
    /// nothing and closes nothing, so only a newer view showing it Dead lets its calls fail and be retried at the new
    /// owner. Must exceed the longest normal answer (a produce answers in milliseconds; a fetch long-poll in its
    /// MaxWait, 500 ms by default). Default 2 s.</summary>
    public TimeSpan StalledCallViewRefresh { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Must equal the silo's <see cref="SiloOptions.ClusterId"/>, or the silo rejects the connection. Default <c>dev</c>.</summary>
    public string ClusterId { get; init; } = "dev";

    /// <summary>This client's name in the preamble and the silo's logs. Default <c>client</c>.</summary>
    public string ClientName { get; init; } = "client";

    /// <summary>How long a call may take, counted from when it is invoked (waiting for a connection, and retrying at
    /// the new owner when the old one left or died, included). After it the call fails with
    /// <see cref="RunnelErrorCode.OutcomeUnknown"/> (or <see cref="RunnelErrorCode.ConnectionLost"/> when it was never sent). Checked by a sweep every
    /// <c>ResponseTimeout / 8</c> (between 10 ms and 250 ms), so a call may fail up to that much later. Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one connection attempt (TCP connect and preamble) may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After a failed connection attempt to a silo, calls to it fail fast (and are retried by the router)
    /// for this long before the next attempt (the first attempt after a drop is immediate); doubles per failure up to
    /// <see cref="ReconnectMaxBackoff"/>. Default 50 ms.</summary>
    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between reconnection attempts. Default 5 s.</summary>
    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest frame sent or accepted, in bytes. Default 16 MiB (as <see cref="SiloOptions.MaxFrameBytes"/>).</summary>
    public int MaxFrameBytes { get; init; } = SiloOptions.DefaultMaxFrameBytes;

    /// <summary>How many frames may wait to be written before callers wait for room. Default 1024.</summary>
    public int SendQueueCapacity { get; init; } = 1024;

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is not valid; the message names it.</exception>
    public void Validate()
    {
        _ = ParseEndpoint();
        _ = ParseSeeds();
        Require(ViewRefreshPeriod > TimeSpan.Zero, $"RunnelClientOptions.ViewRefreshPeriod must be positive (was {ViewRefreshPeriod}).");
        Require(StalledCallViewRefresh > TimeSpan.Zero, $"RunnelClientOptions.StalledCallViewRefresh must be positive (was {StalledCallViewRefresh}).");
        Require(!string.IsNullOrWhiteSpace(ClusterId), "RunnelClientOptions.ClusterId must not be empty.");
        Require(!string.IsNullOrWhiteSpace(ClientName), "RunnelClientOptions.ClientName must not be empty.");
        Require(ResponseTimeout > TimeSpan.Zero, $"RunnelClientOptions.ResponseTimeout must be positive (was {ResponseTimeout}).");
        Require(ConnectTimeout > TimeSpan.Zero, $"RunnelClientOptions.ConnectTimeout must be positive (was {ConnectTimeout}).");
        Require(ReconnectMinBackoff > TimeSpan.Zero, $"RunnelClientOptions.ReconnectMinBackoff must be positive (was {ReconnectMinBackoff}).");
        Require(ReconnectMaxBackoff >= ReconnectMinBackoff, $"RunnelClientOptions.ReconnectMaxBackoff ({ReconnectMaxBackoff}) must be at least ReconnectMinBackoff ({ReconnectMinBackoff}).");
        Require(MaxFrameBytes >= 1024, $"RunnelClientOptions.MaxFrameBytes must be at least 1024 (was {MaxFrameBytes}).");
        Require(SendQueueCapacity >= 1, $"RunnelClientOptions.SendQueueCapacity must be at least 1 (was {SendQueueCapacity}).");
    }

    internal IPEndPoint ParseEndpoint() =>
        IPEndPoint.TryParse(Endpoint ?? "", out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new ArgumentException($"RunnelClientOptions.Endpoint must be address:port with a non-zero port (was '{Endpoint}').");

    /// <summary><see cref="Endpoint"/> then <see cref="Seeds"/>, without duplicates.</summary>
    internal IReadOnlyList<IPEndPoint> ParseSeeds()
    {
        var all = new List<IPEndPoint> { ParseEndpoint() };
        foreach (var seed in Seeds ?? [])
        {
            var endpoint = IPEndPoint.TryParse(seed ?? "", out var parsed) && parsed.Port != 0
                ? parsed
                : throw new ArgumentException($"RunnelClientOptions.Seeds must hold address:port entries with non-zero ports (found '{seed}').");
            if (!all.Contains(endpoint))
            {
                all.Add(endpoint);
            }
        }

        return all;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
