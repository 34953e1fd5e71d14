using System.Net;

namespace Runnel.Runtime.Client;

/// <summary>How a <see cref="RunnelClient"/> connects and calls. Immutable; change with <c>with</c>.</summary>
public sealed record RunnelClientOptions
{
    /// <summary>The defaults below.</summary>
    public static RunnelClientOptions Default { get; } = new();

    /// <summary>The silo to connect to, <c>address:port</c>. Default <c>127.0.0.1:11111</c>.</summary>
    public string Endpoint { get; init; } = "127.0.0.1:11111";

    /// <summary>Must equal the silo's <see cref="SiloOptions.ClusterId"/>, or the silo rejects the connection. Default <c>dev</c>.</summary>
    public string ClusterId { get; init; } = "dev";

    /// <summary>This client's name in the preamble and the silo's logs. Default <c>client</c>.</summary>
    public string ClientName { get; init; } = "client";

    /// <summary>How long a call may take, counted from when it is invoked (waiting for a connection included).
    /// After it the call fails with <see cref="RunnelErrorCode.OutcomeUnknown"/>. Checked by a sweep every
    /// <c>ResponseTimeout / 8</c> (between 10 ms and 1 s), so a call may fail up to that much later. Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one connection attempt (TCP connect and preamble) may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first wait between reconnection attempts after a connection drops (the very first attempt
    /// is immediate); doubles up to <see cref="ReconnectMaxBackoff"/>. Default 50 ms.</summary>
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

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
