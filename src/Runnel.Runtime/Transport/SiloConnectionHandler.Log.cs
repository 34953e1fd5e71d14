using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Transport;

internal sealed partial class SiloConnectionHandler
{
    [LoggerMessage(300, LogLevel.Debug, "Connection {Connection} from {Sender} accepted")]
    private static partial void LogAccepted(ILogger logger, string connection, string sender);

    [LoggerMessage(301, LogLevel.Warning, "Connection {Connection} from {Sender} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string connection, string sender, string reason);
}
