using Microsoft.Extensions.Logging;

namespace Runnel.Client.Internal;

/// <summary>The tables' log messages (<see cref="RunnelTable{TKey, TValue}"/> is generic, and source-generated logging
/// methods cannot live in a generic type).</summary>
internal static partial class TableLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Table over {Topic} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string topic, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A Changed handler of the table over {Topic} threw")]
    public static partial void HandlerFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Table over {Topic} follows partitions {From} to {Count} (added to the topic)")]
    public static partial void PartitionsAdded(ILogger logger, string topic, int from, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Table over {Topic} could not look for added partitions (tries again): {Reason}")]
    public static partial void PartitionCheckFailed(ILogger logger, string topic, string reason);

    public static void Stopped(ILogger logger, string topic, RunnelException error) => LogStopped(logger, topic, error.Message, error);
}
