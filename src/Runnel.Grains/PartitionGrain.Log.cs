using Microsoft.Extensions.Logging;

namespace Runnel.Grains;

public sealed partial class PartitionGrain
{
    [LoggerMessage(1201, LogLevel.Information, "Partition {Partition}: serving at epoch {Epoch}, high watermark {HighWatermark}; {Producers} idempotent producers ({Replayed} batches replayed from the recovered tail)")]
    private static partial void LogActivated(ILogger logger, string partition, long epoch, long highWatermark, int producers, int replayed);

    [LoggerMessage(1202, LogLevel.Information, "Partition {Partition}: released ({Reason}) at high watermark {HighWatermark}")]
    private static partial void LogDeactivated(ILogger logger, string partition, DeactivationReason reason, long highWatermark);

    [LoggerMessage(1203, LogLevel.Information, "Partition {Partition}: retired (topic deleted) at high watermark {HighWatermark}")]
    private static partial void LogRetired(ILogger logger, string partition, long highWatermark);

    [LoggerMessage(1204, LogLevel.Warning, "Partition {Partition}: lost its log ({Reason}); deactivating so the next call takes it over again")]
    private static partial void LogLost(ILogger logger, string partition, string reason);

    [LoggerMessage(1205, LogLevel.Warning, "Partition {Partition}: could not save the producer state snapshot: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, string partition, string reason);

    [LoggerMessage(1206, LogLevel.Warning, "Partition {Partition}: the producer state snapshot is unreadable; rebuilding from the recovered tail only")]
    private static partial void LogSnapshotUnreadable(ILogger logger, string partition);

    [LoggerMessage(1207, LogLevel.Debug, "Partition {Partition}: duplicate batch of producer {ProducerId} (sequence {Sequence}) answered with offset {BaseOffset}")]
    private static partial void LogDuplicate(ILogger logger, string partition, long producerId, int sequence, long baseOffset);

    [LoggerMessage(1208, LogLevel.Warning, "Partition {Partition}: refreshing the topic config failed: {Reason}")]
    private static partial void LogConfigRefreshFailed(ILogger logger, string partition, string reason);

    [LoggerMessage(1209, LogLevel.Warning, "Partition {Partition}: enforcing retention failed (tried again at the next check): {Reason}")]
    private static partial void LogRetentionFailed(ILogger logger, string partition, string reason);

    [LoggerMessage(1210, LogLevel.Information, "Partition {Partition}: compacted {Segments} segments ({BytesRead} -> {BytesWritten} bytes)")]
    private static partial void LogCompacted(ILogger logger, string partition, int segments, long bytesRead, long bytesWritten);

    [LoggerMessage(1211, LogLevel.Warning, "Partition {Partition}: a compaction pass failed, nothing changed (tried again at the next check): {Reason}")]
    private static partial void LogCompactionFailed(ILogger logger, string partition, string reason);

    [LoggerMessage(1212, LogLevel.Information, "Partition {Partition}: handing over to its owner (a silo joined); sealing and releasing the log when idle")]
    private static partial void LogHandingOver(ILogger logger, string partition);

    [LoggerMessage(1213, LogLevel.Debug, "Partition {Partition}: {Kind} marker of producer {ProducerId} epoch {Epoch} at offset {Offset}")]
    private static partial void LogMarkerWrittenCore(ILogger logger, string partition, string kind, long producerId, short epoch, long offset);

    private static void LogMarkerWritten(ILogger logger, string partition, long producerId, short epoch, string kind, long offset) =>
        LogMarkerWrittenCore(logger, partition, kind, producerId, epoch, offset);

    [LoggerMessage(1214, LogLevel.Debug, "Partition {Partition}: not handing over yet, placement does not know that its owner {Owner} hosts partitions")]
    private static partial void LogOwnerNotPlaceable(ILogger logger, string partition, string owner);
}
