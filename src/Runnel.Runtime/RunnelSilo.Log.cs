using System.Net;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime;

public sealed partial class RunnelSilo
{
    [LoggerMessage(400, LogLevel.Information, "Silo {Silo} of cluster {ClusterId} listening on {Endpoint} as {Address}")]
    private static partial void LogStarted(ILogger logger, string silo, string clusterId, IPEndPoint endpoint, SiloAddress address);

    [LoggerMessage(401, LogLevel.Information, "Silo {Silo} stopping")]
    private static partial void LogStopping(ILogger logger, string silo);

    [LoggerMessage(402, LogLevel.Information, "Silo {Silo} stopped")]
    private static partial void LogStopped(ILogger logger, string silo);

    [LoggerMessage(403, LogLevel.Warning, "Could not write {Status} while leaving (the cluster will detect the silo as dead instead): {Reason}")]
    private static partial void LogLeaveFailed(ILogger logger, string status, string reason);
}
