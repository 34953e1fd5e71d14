using System.Net;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime;

public sealed partial class RunnelSilo
{
    [LoggerMessage(400, LogLevel.Information, "Silo {Silo} of cluster {ClusterId} listening on {Endpoint}")]
    private static partial void LogStarted(ILogger logger, string silo, string clusterId, IPEndPoint endpoint);

    [LoggerMessage(401, LogLevel.Information, "Silo {Silo} stopping")]
    private static partial void LogStopping(ILogger logger, string silo);

    [LoggerMessage(402, LogLevel.Information, "Silo {Silo} stopped")]
    private static partial void LogStopped(ILogger logger, string silo);
}
