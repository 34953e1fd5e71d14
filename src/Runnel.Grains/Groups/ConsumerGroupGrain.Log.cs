using Microsoft.Extensions.Logging;

namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    [LoggerMessage(1501, LogLevel.Information, "Group {Group}: serving at log epoch {LogEpoch}, group epoch {GroupEpoch}, {Members} members, {Offsets} committed offsets (snapshot at {SnapshotOffset}, {Replayed} changes replayed)")]
    private static partial void LogActivated(ILogger logger, string group, long logEpoch, int groupEpoch, int members, int offsets, long snapshotOffset, int replayed);

    [LoggerMessage(1502, LogLevel.Information, "Group {Group}: released ({Reason}) at group epoch {GroupEpoch}")]
    private static partial void LogDeactivated(ILogger logger, string group, DeactivationReason reason, int groupEpoch);

    [LoggerMessage(1503, LogLevel.Warning, "Group {Group}: lost its log ({Reason}); deactivating so the next call takes it over again")]
    private static partial void LogLost(ILogger logger, string group, string reason);

    [LoggerMessage(1504, LogLevel.Debug, "Group {Group}: snapshot saved at log offset {NextOffset}")]
    private static partial void LogSnapshotSaved(ILogger logger, string group, long nextOffset);

    [LoggerMessage(1505, LogLevel.Warning, "Group {Group}: could not save the snapshot: {Reason}")]
    private static partial void LogSnapshotFailed(ILogger logger, string group, string reason);

    [LoggerMessage(1506, LogLevel.Information, "Group {Group}: member {MemberId} joined (instance {InstanceId}, client {ClientId})")]
    private static partial void LogJoined(ILogger logger, string group, string memberId, string? instanceId, string clientId);

    [LoggerMessage(1507, LogLevel.Information, "Group {Group}: member {MemberId} left (instance {InstanceId}, temporary {Temporary})")]
    private static partial void LogLeft(ILogger logger, string group, string memberId, string? instanceId, bool temporary);

    [LoggerMessage(1508, LogLevel.Information, "Group {Group}: member {MemberId}'s session expired")]
    private static partial void LogSessionExpired(ILogger logger, string group, string memberId);

    [LoggerMessage(1509, LogLevel.Information, "Group {Group}: static instance {InstanceId} rejoined; member {OldMemberId} replaced by {NewMemberId}")]
    private static partial void LogStaticReplaced(ILogger logger, string group, string? instanceId, string oldMemberId, string newMemberId);

    [LoggerMessage(1510, LogLevel.Warning, "Group {Group}: member {MemberId} last polled {SinceLastPoll} ago (max poll interval {MaxPollInterval}); its partitions were taken back")]
    private static partial void LogMaxPollExceeded(ILogger logger, string group, string memberId, TimeSpan sinceLastPoll, TimeSpan maxPollInterval);

    [LoggerMessage(1511, LogLevel.Information, "Group {Group}: target assignment for epoch {GroupEpoch} by {Assignor}: {Members} members, {Partitions} partitions")]
    private static partial void LogTargetComputed(ILogger logger, string group, int groupEpoch, GroupAssignor assignor, int members, int partitions);

    [LoggerMessage(1512, LogLevel.Warning, "Group {Group}: reading metadata of {Topic} failed: {Reason}")]
    private static partial void LogMetadataFailed(ILogger logger, string group, string topic, string reason);

    [LoggerMessage(1513, LogLevel.Information, "Group {Group}: offsets reset for {Partitions} partitions")]
    private static partial void LogOffsetsReset(ILogger logger, string group, int partitions);

    [LoggerMessage(1514, LogLevel.Information, "Group {Group}: deleted ({Blobs} blobs removed)")]
    private static partial void LogDeleted(ILogger logger, string group, int blobs);

    [LoggerMessage(1530, LogLevel.Information, "Group {Group}: classic member {MemberId} joined generation {Generation} ({Error})")]
    private static partial void LogClassicJoined(ILogger logger, string group, string memberId, int generation, ClassicGroupError error);

    [LoggerMessage(1531, LogLevel.Information, "Group {Group}: classic member {MemberId} left ({Remaining} remain)")]
    private static partial void LogClassicLeft(ILogger logger, string group, string memberId, int remaining);

    [LoggerMessage(1532, LogLevel.Information, "Group {Group}: classic member {MemberId} removed (session or rebalance timeout)")]
    private static partial void LogClassicExpired(ILogger logger, string group, string memberId);

    [LoggerMessage(1535, LogLevel.Information, "Group {Group}: a server-assigned member joined; its {Count} classic members (leader-assigned) are told to rejoin under server-side assignment")]
    private static partial void LogClassicConverting(ILogger logger, string group, int count);

    [LoggerMessage(1533, LogLevel.Debug, "Group {Group}: transaction of producer {ProducerId} epoch {Epoch} completed (commit {Commit}, {Pending} pending offsets)")]
    private static partial void LogTransactionCompleted(ILogger logger, string group, long producerId, short epoch, bool commit, int pending);

    [LoggerMessage(1534, LogLevel.Debug, "Group {Group}: marker of producer {ProducerId} epoch {Epoch} is stale (seen epoch {Seen}); nothing to do")]
    private static partial void LogStaleMarker(ILogger logger, string group, long producerId, short epoch, int seen);
}
