using Microsoft.Extensions.Logging;

namespace Runnel.Grains;

public sealed partial class TransactionCoordinatorGrain
{
    [LoggerMessage(1601, LogLevel.Information, "Transactional id {TransactionalId}: producer {ProducerId} epoch {Epoch}")]
    private static partial void LogInitialized(ILogger logger, string transactionalId, long producerId, short epoch);

    [LoggerMessage(1602, LogLevel.Information, "Transactional id {TransactionalId}: aborting the open transaction of producer {ProducerId} epoch {Epoch}, fenced by a new instance")]
    private static partial void LogAbortingForInit(ILogger logger, string transactionalId, long producerId, short epoch);

    [LoggerMessage(1603, LogLevel.Debug, "Transactional id {TransactionalId}: {Status} decided, markers with epoch {MarkerEpoch} to {Partitions} partitions and {Groups} groups")]
    private static partial void LogPrepared(ILogger logger, string transactionalId, TransactionStatus status, short markerEpoch, int partitions, int groups);

    [LoggerMessage(1604, LogLevel.Debug, "Transactional id {TransactionalId}: {Status}; next producer {ProducerId} epoch {Epoch}")]
    private static partial void LogCompleted(ILogger logger, string transactionalId, TransactionStatus status, long producerId, short epoch);

    [LoggerMessage(1605, LogLevel.Debug, "Transactional id {TransactionalId}: ended (commit {Commit}) by producer {ProducerId} epoch {Epoch}")]
    private static partial void LogEnded(ILogger logger, string transactionalId, bool commit, long producerId, short epoch);

    [LoggerMessage(1606, LogLevel.Information, "Transactional id {TransactionalId}: the transaction of producer {ProducerId} epoch {Epoch} passed its timeout of {Timeout}; aborting it")]
    private static partial void LogTimedOut(ILogger logger, string transactionalId, long producerId, short epoch, TimeSpan timeout);

    [LoggerMessage(1607, LogLevel.Information, "Transactional id {TransactionalId}: resuming {Status} left by an earlier activation ({Partitions} partitions, {Groups} groups)")]
    private static partial void LogResuming(ILogger logger, string transactionalId, TransactionStatus status, int partitions, int groups);

    [LoggerMessage(1608, LogLevel.Warning, "Transactional id {TransactionalId}: markers still pending: {Reason} (retried)")]
    private static partial void LogMarkersPending(ILogger logger, string transactionalId, string reason);

    [LoggerMessage(1609, LogLevel.Warning, "Transactional id {TransactionalId}: marker for {Target} not written: {Reason} (retried)")]
    private static partial void LogMarkerFailed(ILogger logger, string transactionalId, string target, string reason);

    [LoggerMessage(1610, LogLevel.Information, "Transactional id {TransactionalId}: marker for {Target} not needed ({Code}): {Reason}")]
    private static partial void LogMarkerSkipped(ILogger logger, string transactionalId, string target, RunnelErrorCode code, string reason);

    [LoggerMessage(1611, LogLevel.Warning, "Transactional id {TransactionalId}: another activation changed the state; this one deactivates")]
    private static partial void LogConflict(ILogger logger, string transactionalId);
}
