using Microsoft.Extensions.Logging;

namespace Runnel.Client;

public sealed partial class Consumer<TKey, TValue>
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: auto-commit failed ({Reason}); the next commit carries the positions again")]
    private static partial void LogAutoCommitFailed(ILogger logger, string group, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Partition}: reading sealed segment {Segment} at offset {Offset} from the store failed ({Reason}); fetched through the partition instead")]
    private static partial void LogSegmentReadFailed(ILogger logger, string partition, string segment, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The consumer's {Handler} handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, string handler, Exception exception);
}
