using Microsoft.Extensions.Logging;

namespace Runnel.Grains;

public sealed partial class TopicGrain
{
    [LoggerMessage(1001, LogLevel.Information, "Topic {Topic}: created with {Partitions} partitions")]
    private static partial void LogCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(1002, LogLevel.Information, "Topic {Topic}: deleted ({Partitions} partitions stopped, {Blobs} blobs removed)")]
    private static partial void LogDeleted(ILogger logger, string topic, int partitions, int blobs);

    [LoggerMessage(1003, LogLevel.Information, "Topic {Topic}: config changed ({Keys})")]
    private static partial void LogConfigAltered(ILogger logger, string topic, string keys);

    [LoggerMessage(1004, LogLevel.Information, "Topic {Topic}: partitions grown from {Before} to {After}")]
    private static partial void LogPartitionsAdded(ILogger logger, string topic, int before, int after);

    [LoggerMessage(1005, LogLevel.Information, "Topic {Topic}: metadata moved from its legacy meta blob into grain state")]
    private static partial void LogMigrated(ILogger logger, string topic);
}
