using System.Net;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Client;

public sealed partial class RunnelClient
{
    [LoggerMessage(500, LogLevel.Information, "Connected to silo {Endpoint}")]
    private static partial void LogConnected(ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(501, LogLevel.Warning, "Connection to silo {Endpoint} lost; reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(502, LogLevel.Information, "Reconnecting to {Endpoint} failed; next attempt in {Backoff}: {Reason}")]
    private static partial void LogReconnectFailed(ILogger logger, IPEndPoint endpoint, TimeSpan backoff, string reason);
}
