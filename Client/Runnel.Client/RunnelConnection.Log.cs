using Microsoft.Extensions.Logging;

namespace Runnel.Client;

public sealed partial class RunnelConnection
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to the cluster ({Endpoint}); calls fail or wait until it comes back, and the client keeps reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the cluster again ({Endpoint}, {Gateways} gateways)")]
    private static partial void LogConnectionRestored(ILogger logger, string endpoint, int gateways);

    [LoggerMessage(Level = LogLevel.Error, Message = "A ConnectionStateChanged handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
