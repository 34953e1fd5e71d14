using Microsoft.Extensions.Logging;

namespace Runnel.Runtime.Internal;

internal sealed partial class Activation
{
    [LoggerMessage(100, LogLevel.Debug, "Activated {GrainId}")]
    private static partial void LogActivated(ILogger logger, GrainId grainId);

    [LoggerMessage(101, LogLevel.Error, "Activation of {GrainId} failed")]
    private static partial void LogActivationFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(102, LogLevel.Debug, "Deactivated {GrainId} ({Reason})")]
    private static partial void LogDeactivated(ILogger logger, GrainId grainId, DeactivationReason reason);

    [LoggerMessage(103, LogLevel.Error, "Deactivation of {GrainId} ({Reason}) failed")]
    private static partial void LogDeactivationFailed(ILogger logger, GrainId grainId, DeactivationReason reason, Exception exception);

    [LoggerMessage(104, LogLevel.Warning, "Call {GrainId}.{Method} threw")]
    private static partial void LogCallFailed(ILogger logger, GrainId grainId, string? method, Exception exception);

    [LoggerMessage(105, LogLevel.Debug, "Call {GrainId}.{Method} failed: {Message}")]
    private static partial void LogCallFailedExpected(ILogger logger, GrainId grainId, string? method, string message);

    [LoggerMessage(106, LogLevel.Warning, "A timer of {GrainId} threw")]
    private static partial void LogTimerFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(108, LogLevel.Error, "Sending the outcome of a call to {GrainId} failed")]
    private static partial void LogRespondFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(109, LogLevel.Debug, "Deactivation of {GrainId} waits for {Count} always-interleave call(s) in flight")]
    private static partial void LogWaitingForInterleaved(ILogger logger, GrainId grainId, int count);

    [LoggerMessage(107, LogLevel.Critical, "The activation loop of {GrainId} failed")]
    private static partial void LogLoopFailed(ILogger logger, GrainId grainId, Exception exception);
}
