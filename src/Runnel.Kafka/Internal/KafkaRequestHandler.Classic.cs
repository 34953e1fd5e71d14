using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

/// <summary>Kafka's classic group protocol onto the group grain, which holds members, generation, leader and the
/// leader's assignment (in a group the grain assigns for, classic members run as its own: KafkaRequestHandler.Mixed.cs). A join or sync that must wait for other members waits in short grain calls
/// (<see cref="ClassicWaitSlice"/> each, well inside Orleans' response timeout), so a long rebalance timeout never
/// holds one grain call open.</summary>
internal sealed partial class KafkaRequestHandler
{
    /// <summary>How long one waiting grain call lasts; below Orleans' default 30 s response timeout.</summary>
    private static readonly TimeSpan ClassicWaitSlice = TimeSpan.FromSeconds(10);

    /// <summary>How long past its rebalance timeout a join (or sync) waits before answering REBALANCE_IN_PROGRESS: the
    /// grain ends a round at its deadline on its next session check.</summary>
    private static readonly TimeSpan ClassicWaitGrace = TimeSpan.FromSeconds(15);

    /// <summary>How long a follower's SyncGroup waits for the leader's assignment (the request carries no timeout; the
    /// grain restarts the round at its rebalance deadline, which answers the wait sooner): librdkafka's default
    /// max.poll.interval.ms, 5 minutes, plus the grace.</summary>
    private static readonly TimeSpan ClassicSyncWait = TimeSpan.FromMinutes(5) + ClassicWaitGrace;

    private async Task<ResponseFrame?> JoinGroupAsync(RequestHeader header, JoinGroupApi.Request request, string clientHost)
    {
        var response = new JoinGroupApi.Response { MemberId = request.MemberId };
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
        }
        else if (request.SessionTimeoutMs <= 0 || request.RebalanceTimeoutMs <= 0)
        {
            response.ErrorCode = KafkaErrorCode.InvalidSessionTimeout;
        }
        else
        {
            var grain = grains.GetGrain<IConsumerGroupGrain>(request.GroupId);
            var rebalanceTimeout = TimeSpan.FromMilliseconds(request.RebalanceTimeoutMs);
            try
            {
                var join = new ClassicJoinRequest(
                    request.MemberId,
                    request.GroupInstanceId,
                    header.ClientId ?? "",
                    clientHost,
                    request.ProtocolType,
                    [.. request.Protocols.Select(p => new ClassicProtocol(p.Name, p.Metadata))],
                    TimeSpan.FromMilliseconds(request.SessionTimeoutMs),
                    rebalanceTimeout);
                var answer = await grain.JoinClassicAsync(join).ConfigureAwait(false);
                var giveUp = DateTimeOffset.UtcNow + rebalanceTimeout + ClassicWaitGrace;
                while (answer.Error == ClassicGroupError.Pending && DateTimeOffset.UtcNow < giveUp)
                {
                    answer = await grain.AwaitClassicJoinAsync(answer.MemberId, ClassicWaitSlice).ConfigureAwait(false);
                }

                if (answer.Error == ClassicGroupError.ServerAssigned)
                {
                    // The group is (or while this join waited became) assigned by the grain.
                    response = await JoinServerAssignedAsync(grain, header, request).ConfigureAwait(false);
                    return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
                }

                response.ErrorCode = ToKafka(answer.Error);
                response.MemberId = answer.MemberId;
                response.GenerationId = answer.GenerationId;
                response.ProtocolName = answer.ProtocolName;
                response.Leader = answer.LeaderId;
                response.Members.AddRange(answer.Members.Select(m => new JoinGroupApi.Member(m.MemberId, m.InstanceId, m.Metadata)));
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                response.ErrorCode = ServerAssignedFailure($"JoinGroup ({request.GroupId})", ex);
            }
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private async Task<ResponseFrame?> SyncGroupAsync(RequestHeader header, SyncGroupApi.Request request)
    {
        var response = new SyncGroupApi.Response();
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
        }
        else
        {
            var grain = grains.GetGrain<IConsumerGroupGrain>(request.GroupId);
            try
            {
                var answer = await grain.SyncClassicAsync(request.MemberId, request.GenerationId, [.. request.Assignments.Select(a => new ClassicAssignment(a.MemberId, a.Bytes))])
                    .ConfigureAwait(false);
                if (answer.Error == ClassicGroupError.ServerAssigned)
                {
                    response = await SyncServerAssignedAsync(grain, request).ConfigureAwait(false);
                    return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
                }

                var giveUp = DateTimeOffset.UtcNow + ClassicSyncWait;
                while (answer.Error == ClassicGroupError.Pending && DateTimeOffset.UtcNow < giveUp)
                {
                    answer = await grain.AwaitClassicSyncAsync(request.MemberId, request.GenerationId, ClassicWaitSlice).ConfigureAwait(false);
                }

                response.ErrorCode = ToKafka(answer.Error);
                response.Assignment = answer.Assignment;
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                response.ErrorCode = ServerAssignedFailure($"SyncGroup ({request.GroupId})", ex);
            }
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private async Task<ResponseFrame?> HeartbeatAsync(RequestHeader header, HeartbeatApi.Request request)
    {
        var response = new HeartbeatApi.Response();
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
        }
        else
        {
            try
            {
                var grain = grains.GetGrain<IConsumerGroupGrain>(request.GroupId);
                var error = await grain.HeartbeatClassicAsync(request.MemberId, request.GenerationId).ConfigureAwait(false);
                response.ErrorCode = error == ClassicGroupError.ServerAssigned
                    ? await HeartbeatServerAssignedAsync(grain, request).ConfigureAwait(false)
                    : ToKafka(error);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                response.ErrorCode = ServerAssignedFailure($"Heartbeat ({request.GroupId})", ex);
            }
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private async Task<ResponseFrame?> LeaveGroupAsync(RequestHeader header, LeaveGroupApi.Request request)
    {
        var response = new HeartbeatApi.Response();
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
        }
        else
        {
            try
            {
                var grain = grains.GetGrain<IConsumerGroupGrain>(request.GroupId);
                var error = await grain.LeaveClassicAsync(request.MemberId).ConfigureAwait(false);
                if (error == ClassicGroupError.ServerAssigned)
                {
                    await grain.LeaveAsync(request.MemberId, -1, temporary: false).ConfigureAwait(false);
                    error = ClassicGroupError.None;
                }

                response.ErrorCode = ToKafka(error);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                response.ErrorCode = KafkaErrors.ForGroup(Fail($"LeaveGroup ({request.GroupId})", ex));
            }
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>A wait that outlived its bound is answered as a rebalance: the client joins again.</summary>
    private static KafkaErrorCode ToKafka(ClassicGroupError error) => error switch
    {
        ClassicGroupError.None => KafkaErrorCode.None,
        ClassicGroupError.UnknownMember => KafkaErrorCode.UnknownMemberId,
        ClassicGroupError.IllegalGeneration => KafkaErrorCode.IllegalGeneration,
        ClassicGroupError.InconsistentProtocol => KafkaErrorCode.InconsistentGroupProtocol,
        ClassicGroupError.RebalanceInProgress or ClassicGroupError.Pending => KafkaErrorCode.RebalanceInProgress,
        _ => KafkaErrorCode.UnknownServerError,
    };
}
