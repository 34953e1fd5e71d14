using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Transport;

internal sealed partial class FrameConnection
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {Connection} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, string connection, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Connection {Connection} closed, protocol violation: {Reason}")]
    private static partial void LogViolation(ILogger logger, string connection, string reason);
}
