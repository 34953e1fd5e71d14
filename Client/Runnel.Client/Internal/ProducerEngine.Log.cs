using Microsoft.Extensions.Logging;

namespace Runnel.Client.Internal;

internal sealed partial class ProducerEngine
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Producer id {ProducerId} epoch {Epoch} allocated")]
    private static partial void LogIdentity(ILogger logger, long producerId, short epoch);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Batch for {Partition} with base sequence {Sequence} failed ({Code}: {Reason}); will retry")]
    private static partial void LogRetriableFailure(ILogger logger, string partition, int sequence, RunnelErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Resending batch for {Partition} with base sequence {Sequence} (attempt {Attempt})")]
    private static partial void LogRetrying(ILogger logger, string partition, int sequence, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition}: producer {ProducerId} continues at epoch {Epoch} from sequence 0 ({Resent} batches numbered again)")]
    private static partial void LogEpochBumped(ILogger logger, string partition, long producerId, short epoch, int resent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Producer failed for good on {Partition} ({Code}: {Reason})")]
    private static partial void LogFatal(ILogger logger, string partition, RunnelErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Describing topic {Topic} failed ({Reason}); will retry")]
    private static partial void LogMetadataRetry(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing the producer: records still undelivered after {Timeout} are failed")]
    private static partial void LogCloseTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transactional id {TransactionalId}: producer id {ProducerId} epoch {Epoch}")]
    private static partial void LogTransactionsInitialized(ILogger logger, string transactionalId, long producerId, short epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transactional id {TransactionalId}: the open transaction can only be aborted now ({Code}: {Reason})")]
    private static partial void LogTransactionAbortable(ILogger logger, string transactionalId, RunnelErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A delivery handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
