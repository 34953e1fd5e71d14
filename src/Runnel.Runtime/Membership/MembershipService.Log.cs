using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Membership;

internal sealed partial class MembershipService
{
    [LoggerMessage(600, LogLevel.Information, "Silo {Silo} joined (view {Version}; evicted {Evicted} stale silo(s))")]
    private static partial void LogJoined(ILogger logger, SiloAddress silo, long version, int evicted);

    [LoggerMessage(601, LogLevel.Information, "Silo {Silo} is Active in view {Version}")]
    private static partial void LogActive(ILogger logger, SiloAddress silo, long version);

    [LoggerMessage(602, LogLevel.Information, "Silo {Silo} left the cluster")]
    private static partial void LogLeft(ILogger logger, SiloAddress silo);

    [LoggerMessage(603, LogLevel.Debug, "Installed membership view {Version}: {Live}")]
    private static partial void LogViewInstalled(ILogger logger, long version, string live);

    [LoggerMessage(604, LogLevel.Debug, "Membership write of version {Version} lost a race; re-reading")]
    private static partial void LogConflict(ILogger logger, long version);

    [LoggerMessage(605, LogLevel.Warning, "Store call failed ({Operation}): {Reason}")]
    private static partial void LogStoreFailed(ILogger logger, string operation, string reason);

    [LoggerMessage(606, LogLevel.Critical, "Silo {Silo} must stop: {Reason}")]
    private static partial void LogFatal(ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(607, LogLevel.Error, "The fatal-error handler threw")]
    private static partial void LogFatalHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(608, LogLevel.Debug, "Pushing the view to {Silo} failed: {Reason}")]
    private static partial void LogPushFailed(ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(609, LogLevel.Debug, "Ping of {Silo} failed: {Reason}")]
    private static partial void LogPingFailed(ILogger logger, SiloAddress silo, string reason);

    [LoggerMessage(611, LogLevel.Warning, "Voted against {Silo} (voters {Voters}); declared dead: {Dead} ({Reason}); view {Version}")]
    private static partial void LogVoted(ILogger logger, SiloAddress silo, string voters, bool dead, string reason, long version);

    [LoggerMessage(612, LogLevel.Warning, "Ignored a pushed view: {Reason}")]
    private static partial void LogBadPush(ILogger logger, string reason);

    [LoggerMessage(614, LogLevel.Warning, "Killed silo {Silo} (pid {Pid} on this host): it was declared dead and may hold this host's file locks")]
    private static partial void LogKilledDeadSilo(ILogger logger, SiloAddress silo, int pid);

    [LoggerMessage(615, LogLevel.Debug, "Did not kill dead silo {Silo} (pid {Pid}): {Outcome}")]
    private static partial void LogNotKilled(ILogger logger, SiloAddress silo, int pid, string outcome);
}
