using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

/// <summary>
/// Classic-protocol members of a group the grain assigns for (one with Runnel or KIP-848 members), as Kafka 4's mixed
/// groups run them: each is a member of the grain's own heartbeat protocol, so one assignment covers every kind.
/// <list type="bullet">
/// <item>JoinGroup = a join (or rejoin) heartbeat with the subscription and owned partitions of the member's metadata
/// (Kafka's ConsumerProtocol); the member is a follower (no leader assigns) and its generation is its member epoch.</item>
/// <item>SyncGroup = a heartbeat; the answer's partitions go back as a ConsumerProtocol assignment.</item>
/// <item>Heartbeat = a heartbeat; when the member's epoch moved (partitions to give up or to take) it is told
/// REBALANCE_IN_PROGRESS, and its rejoin reports what it gave up (eager: everything; cooperative: what it still owns).</item>
/// <item>LeaveGroup = a leave, which rebalances the other members.</item>
/// </list>
/// </summary>
internal sealed partial class KafkaRequestHandler
{
    private async Task<JoinGroupApi.Response> JoinServerAssignedAsync(IConsumerGroupGrain grain, RequestHeader header, JoinGroupApi.Request request)
    {
        var response = new JoinGroupApi.Response { MemberId = request.MemberId };
        var protocol = request.Protocols.FirstOrDefault();
        ConsumerProtocol.Subscription subscription;
        try
        {
            subscription = request.ProtocolType == "consumer" && protocol is not null
                ? ConsumerProtocol.ReadSubscription(protocol.Metadata)
                : throw new KafkaProtocolException($"protocol type '{request.ProtocolType}' is not \"consumer\"");
        }
        catch (KafkaProtocolException ex)
        {
            // The group assigns partitions to consumers: a member whose subscription it cannot read cannot share it.
            LogRequestFailed(logger, $"JoinGroup ({request.GroupId})", KafkaErrorCode.InconsistentGroupProtocol, ex.Message);
            response.ErrorCode = KafkaErrorCode.InconsistentGroupProtocol;
            return response;
        }

        var answer = await grain.HeartbeatAsync(new GroupHeartbeatRequest(
            request.MemberId,
            MemberEpoch: 0,
            request.GroupInstanceId,
            header.ClientId ?? "",
            subscription.Topics,
            SubscribedPattern: null,
            GroupAssignor.Uniform,
            TimeSpan.FromMilliseconds(request.SessionTimeoutMs),
            TimeSpan.FromMilliseconds(request.RebalanceTimeoutMs),
            TimeSpan.Zero,
            [.. subscription.OwnedPartitions.Select(p => new GroupPartition(p.Topic, p.Partition))])).ConfigureAwait(false);
        response.MemberId = answer.MemberId;
        response.GenerationId = answer.MemberEpoch;
        response.ProtocolName = protocol!.Name;
        return response;
    }

    private async Task<SyncGroupApi.Response> SyncServerAssignedAsync(IConsumerGroupGrain grain, SyncGroupApi.Request request)
    {
        var answer = await grain.HeartbeatAsync(KeepAlive(request.MemberId, request.GenerationId)).ConfigureAwait(false);
        return new SyncGroupApi.Response { Assignment = ConsumerProtocol.WriteAssignment(answer.Assignment.Select(p => (p.Topic, p.Partition))) };
    }

    private async Task<KafkaErrorCode> HeartbeatServerAssignedAsync(IConsumerGroupGrain grain, HeartbeatApi.Request request)
    {
        var answer = await grain.HeartbeatAsync(KeepAlive(request.MemberId, request.GenerationId)).ConfigureAwait(false);
        return answer.MemberEpoch == request.GenerationId ? KafkaErrorCode.None : KafkaErrorCode.RebalanceInProgress;
    }

    /// <summary>A classic member's heartbeat in the grain's terms: nothing changed (subscription, timeouts) and it owns
    /// what it was given; its generation is its epoch.</summary>
    private static GroupHeartbeatRequest KeepAlive(string memberId, int generation) =>
        new(memberId, generation, null, "", [], null, GroupAssignor.Uniform, ConsumerSessionTimeout, DefaultConsumerRebalanceTimeout, TimeSpan.Zero, [])
        {
            Omitted = GroupHeartbeatOmissions.Subscription | GroupHeartbeatOmissions.MaxPollInterval | GroupHeartbeatOmissions.OwnedPartitions,
        };

    /// <summary>The classic code for a server-assigned member's failure: a stale generation is ILLEGAL_GENERATION (the
    /// member rejoins), the rest as for any group call.</summary>
    private KafkaErrorCode ServerAssignedFailure(string what, Exception exception) =>
        exception is RunnelException { Code: RunnelErrorCode.FencedMember } ? KafkaErrorCode.IllegalGeneration : KafkaErrors.ForGroup(Fail(what, exception));
}
