using Microsoft.Extensions.Logging;

namespace Runnel.Client.Internal;

internal sealed partial class GroupMembership
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: member {MemberId} at epoch {Epoch}, {Count} partitions assigned")]
    private static partial void LogEpoch(ILogger logger, string group, string memberId, int epoch, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: member {MemberId} takes {Partitions}")]
    private static partial void LogAssigned(ILogger logger, string group, string memberId, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: member {MemberId} releases {Partitions}")]
    private static partial void LogRevoking(ILogger logger, string group, string memberId, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: partitions lost (no commit): {Partitions}")]
    private static partial void LogLost(ILogger logger, string group, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: member {MemberId} must rejoin ({Code}: {Reason})")]
    private static partial void LogFenced(ILogger logger, string group, string memberId, RunnelErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Group {Group}: heartbeat failed ({Reason}); no answer for {Silent}; will retry")]
    private static partial void LogHeartbeatRetry(ILogger logger, string group, string reason, TimeSpan silent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Group {Group}: the group refused this member ({Code}: {Reason})")]
    private static partial void LogHeartbeatFailed(ILogger logger, string group, RunnelErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: member {MemberId} left")]
    private static partial void LogLeft(ILogger logger, string group, string memberId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: member {MemberId} could not leave ({Reason}); its session expires instead")]
    private static partial void LogLeaveFailed(ILogger logger, string group, string memberId, string reason);
}
