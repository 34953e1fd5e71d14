using Microsoft.Extensions.Logging;

namespace Runnel.Log;

public sealed partial class PartitionLog
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Partition {Partition}: took over at epoch {Epoch} (owner {Owner}); next offset {NextOffset}")]
        public static partial void TookOver(ILogger logger, string partition, long epoch, long nextOffset, string owner);

        [LoggerMessage(2, LogLevel.Warning, "Segment {Segment}: cut a torn tail at {ValidLength} bytes (never acknowledged)")]
        public static partial void TornTail(ILogger logger, string segment, long validLength);

        [LoggerMessage(3, LogLevel.Debug, "Partition {Partition}: appended offsets {First}-{Last} ({Bytes} bytes, {Batches} batches) in one block")]
        public static partial void Appended(ILogger logger, string partition, long first, long last, int bytes, int batches);

        [LoggerMessage(4, LogLevel.Information, "Partition {Partition}: rolled {Sealed} -> {Active}")]
        public static partial void Rolled(ILogger logger, string partition, string @sealed, string active);

        [LoggerMessage(5, LogLevel.Warning, "Partition {Partition}: fenced at epoch {Epoch}: {Reason}")]
        public static partial void Fenced(ILogger logger, string partition, long epoch, string reason);

        [LoggerMessage(6, LogLevel.Error, "Partition {Partition}: faulted at epoch {Epoch}; pending appends failed")]
        public static partial void Faulted(ILogger logger, string partition, long epoch, Exception error);

        [LoggerMessage(7, LogLevel.Warning, "Segment {Segment}: writing its index failed; readers will rebuild it")]
        public static partial void IndexWriteFailed(ILogger logger, string segment, Exception error);

        [LoggerMessage(8, LogLevel.Debug, "Segment {Segment}: append at {Position} retry {Attempt}: {Reason}")]
        public static partial void AppendRetry(ILogger logger, string segment, long position, int attempt, string reason);

        [LoggerMessage(9, LogLevel.Information, "Partition {Partition}: released at epoch {Epoch}; next offset {NextOffset}")]
        public static partial void Released(ILogger logger, string partition, long epoch, long nextOffset);

        [LoggerMessage(10, LogLevel.Warning, "Partition {Partition}: release at epoch {Epoch} failed; the next owner will recover")]
        public static partial void ReleaseFailed(ILogger logger, string partition, long epoch, Exception error);

        [LoggerMessage(11, LogLevel.Debug, "Partition {Partition}: writing the tail checkpoint at {Position} failed: {Reason}")]
        public static partial void CheckpointWriteFailed(ILogger logger, string partition, long position, string reason);

        [LoggerMessage(12, LogLevel.Information, "Segment {Segment}: recovering from the tail checkpoint at {Position} of {Length} bytes")]
        public static partial void RecoveringFromCheckpoint(ILogger logger, string segment, long position, long length);

        [LoggerMessage(13, LogLevel.Warning, "Segment {Segment}: the tail checkpoint does not match the stored bytes ({Reason}); scanning the whole segment")]
        public static partial void CheckpointIgnored(ILogger logger, string segment, string reason);

        [LoggerMessage(14, LogLevel.Information, "Partition {Partition}: retention deleted {Segments} segments; the log now starts at {LogStartOffset}")]
        public static partial void RetentionDeleted(ILogger logger, string partition, int segments, long logStartOffset);

        [LoggerMessage(15, LogLevel.Warning, "Blob {Blob}: deleting it after retention failed (left as an orphan, not in the manifest): {Reason}")]
        public static partial void RetentionDeleteFailed(ILogger logger, string blob, string reason);

        [LoggerMessage(16, LogLevel.Information, "Partition {Partition}: compacted {Inputs} segments into {Outputs} ({BytesRead} -> {BytesWritten} bytes); cleaned below offset {FirstDirtyOffset}")]
        public static partial void Compacted(ILogger logger, string partition, int inputs, int outputs, long bytesRead, long bytesWritten, long firstDirtyOffset);

        [LoggerMessage(17, LogLevel.Information, "Partition {Partition}: compaction pass abandoned, nothing changed: {Reason}")]
        public static partial void CompactionAbandoned(ILogger logger, string partition, string reason);

        [LoggerMessage(18, LogLevel.Warning, "Blob {Blob}: deleting it after compaction failed (the next pass sweeps it): {Reason}")]
        public static partial void CompactionDeleteFailed(ILogger logger, string blob, string reason);

        [LoggerMessage(19, LogLevel.Debug, "Blob {Blob}: swept (no manifest names it)")]
        public static partial void SweptLeftover(ILogger logger, string blob);
    }
}
