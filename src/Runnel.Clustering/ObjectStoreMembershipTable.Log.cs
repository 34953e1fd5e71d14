using Microsoft.Extensions.Logging;

namespace Runnel.Clustering;

public sealed partial class ObjectStoreMembershipTable
{
    [LoggerMessage(2001, LogLevel.Information, "Membership table {Blob}: created (empty, version 0)")]
    private static partial void LogCreated(ILogger logger, string blob);

    [LoggerMessage(2002, LogLevel.Debug, "Membership {Operation} of {Silo} as {Status} at table version {Version}: {Outcome}")]
    private static partial void LogRowWrite(ILogger logger, string operation, SiloAddress silo, SiloStatus status, int version, Outcome outcome);

    [LoggerMessage(2003, LogLevel.Trace, "Membership heartbeat of {Silo} at {IAmAlive:o}: {Outcome}")]
    private static partial void LogIAmAlive(ILogger logger, SiloAddress silo, DateTime iAmAlive, Outcome outcome);

    [LoggerMessage(2004, LogLevel.Debug, "Membership table {Blob}: changed by another writer during attempt {Attempt}, retrying on the fresh state")]
    private static partial void LogConflict(ILogger logger, string blob, int attempt);

    [LoggerMessage(2005, LogLevel.Warning, "Membership table {Blob}: changed by another writer under each of {Attempts} attempts; giving up")]
    private static partial void LogGaveUp(ILogger logger, string blob, int attempts);

    [LoggerMessage(2006, LogLevel.Information, "Membership table {Blob}: removed {Count} defunct silo rows older than {BeforeDate:o}")]
    private static partial void LogCleanedUp(ILogger logger, string blob, int count, DateTimeOffset beforeDate);
}
