using System.Net;
using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Client;

internal sealed partial class ClientRouter
{
    [LoggerMessage(500, LogLevel.Information, "Connected to the cluster through {Endpoint}: view {Version} with {Active} Active silo(s)")]
    private static partial void LogConnected(ILogger logger, IPEndPoint endpoint, long version, int active);

    [LoggerMessage(501, LogLevel.Debug, "Installed view {Version} ({Active} Active silo(s)) from {Silo}")]
    private static partial void LogViewInstalled(ILogger logger, long version, int active, string silo);

    [LoggerMessage(503, LogLevel.Debug, "Calls to {Silos} are waiting longer than StalledCallViewRefresh: re-reading the view")]
    private static partial void LogStalledCalls(ILogger logger, string silos);

    [LoggerMessage(502, LogLevel.Debug, "Reading the view through {Endpoint} failed: {Reason}")]
    private static partial void LogViewReadFailed(ILogger logger, IPEndPoint endpoint, string reason);
}
