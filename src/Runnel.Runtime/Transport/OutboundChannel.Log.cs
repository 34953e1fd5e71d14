using System.Net;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Transport;

internal sealed partial class OutboundChannel
{
    [LoggerMessage(510, LogLevel.Debug, "Connected to {Endpoint} (silo {Silo})")]
    private static partial void LogConnected(ILogger logger, IPEndPoint endpoint, string silo);

    [LoggerMessage(511, LogLevel.Debug, "Connection to {Endpoint} lost")]
    private static partial void LogConnectionLost(ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(512, LogLevel.Debug, "Connecting to {Endpoint} failed; calls fail fast for {Backoff}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, IPEndPoint endpoint, TimeSpan backoff, string reason);
}
