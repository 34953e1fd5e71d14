using System.Text.RegularExpressions;
using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

/// <summary>Kafka's KIP-848 consumer group protocol onto the group grain's own heartbeat: the grain assigns (server
/// side, as for Runnel's consumers, so both kinds share a group), the member epoch is the grain's, and what a heartbeat
/// leaves null (unchanged) the grain keeps (<see cref="GroupHeartbeatRequest.Omitted"/>). Partitions travel by topic id
/// (<see cref="TopicIds"/>).</summary>
internal sealed partial class KafkaRequestHandler
{
    /// <summary>The session timeout of a consumer-protocol member: Kafka's group.consumer.session.timeout.ms default
    /// (the protocol has the broker, not the client, set it).</summary>
    private static readonly TimeSpan ConsumerSessionTimeout = TimeSpan.FromSeconds(45);

    /// <summary>The rebalance timeout of a joining member that sends none: librdkafka's and Java's max.poll.interval.ms
    /// default, which is what they send.</summary>
    private static readonly TimeSpan DefaultConsumerRebalanceTimeout = TimeSpan.FromMinutes(5);

    private async Task<ResponseFrame?> ConsumerGroupHeartbeatAsync(RequestHeader header, ConsumerGroupHeartbeatApi.Request request)
    {
        var response = new ConsumerGroupHeartbeatApi.Response { MemberId = request.MemberId, MemberEpoch = request.MemberEpoch };
        if (!GroupIds.IsValid(request.GroupId, out var invalid))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
            response.ErrorMessage = invalid;
        }
        else if (ValidateConsumerHeartbeat(request, out var assignor) is { } problem)
        {
            response.ErrorCode = problem.Code;
            response.ErrorMessage = problem.Message;
        }
        else
        {
            var grain = grains.GetGrain<IConsumerGroupGrain>(request.GroupId);
            try
            {
                if (request.MemberEpoch is ConsumerGroupHeartbeatApi.LeaveEpoch or ConsumerGroupHeartbeatApi.StaticLeaveEpoch)
                {
                    await grain.LeaveAsync(request.MemberId, -1, temporary: request.MemberEpoch == ConsumerGroupHeartbeatApi.StaticLeaveEpoch).ConfigureAwait(false);
                }
                else
                {
                    var answer = await grain.HeartbeatAsync(await ToGroupHeartbeatAsync(header, request, assignor).ConfigureAwait(false)).ConfigureAwait(false);
                    var ids = await _topicIds.OfAsync(answer.Assignment.Select(p => p.Topic)).ConfigureAwait(false);
                    response.MemberId = answer.MemberId;
                    response.MemberEpoch = answer.MemberEpoch;
                    response.HeartbeatIntervalMs = (int)answer.HeartbeatInterval.TotalMilliseconds;
                    response.Assignment = [.. answer.Assignment
                        .Where(p => ids.ContainsKey(p.Topic))
                        .GroupBy(p => p.Topic, StringComparer.Ordinal)
                        .Select(g => new ConsumerGroupHeartbeatApi.TopicPartitions(ids[g.Key], [.. g.Select(p => p.Partition).Order()]))];
                }
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                response.ErrorCode = ex is RunnelException { Code: RunnelErrorCode.FencedMember or RunnelErrorCode.UnknownMember }
                    && request is { MemberEpoch: not 0, InstanceId: { } instance }
                    && await InstanceHeldByAnotherAsync(grain, instance, request.MemberId).ConfigureAwait(false) is not null
                    ? KafkaErrorCode.FencedInstanceId
                    : ex is RunnelException { Code: RunnelErrorCode.FencedMember } ? KafkaErrorCode.FencedMemberEpoch
                    : KafkaErrors.ForGroup(Fail($"ConsumerGroupHeartbeat ({request.GroupId})", ex));
                response.ErrorMessage = response.ErrorCode == KafkaErrorCode.FencedInstanceId
                    ? $"Member '{request.MemberId}' of group '{request.GroupId}' no longer holds static instance '{request.InstanceId}': a newer member holds it. Stop this consumer (two consumers share one group.instance.id)."
                    : ex.Message;
            }
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>The member that holds static instance <paramref name="instanceId"/> when it is not
    /// <paramref name="memberId"/> (Kafka's FENCED_INSTANCE_ID: a newer member of the instance replaced this one), else
    /// null (also when the group cannot be asked: the refusal then keeps its own code). Asked of the grain only once a heartbeat or leave was refused for an unknown or fenced member.</summary>
    private static async Task<string?> InstanceHeldByAnotherAsync(IConsumerGroupGrain grain, string instanceId, string memberId)
    {
        try
        {
            var description = await grain.DescribeAsync().ConfigureAwait(false);
            return description.Members.FirstOrDefault(m => m.InstanceId == instanceId && m.MemberId != memberId)?.MemberId;
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>What Kafka refuses before the group sees the heartbeat: an epoch below -2, a join without a
    /// subscription, an assignor the grain does not have (Kafka's server assignors are "uniform" and "range").</summary>
    private static (KafkaErrorCode Code, string Message)? ValidateConsumerHeartbeat(ConsumerGroupHeartbeatApi.Request request, out GroupAssignor assignor)
    {
        assignor = GroupAssignor.Uniform;
        if (request.MemberEpoch < ConsumerGroupHeartbeatApi.StaticLeaveEpoch)
        {
            return (KafkaErrorCode.InvalidRequest, $"MemberEpoch {request.MemberEpoch} is invalid: 0 joins, -1 leaves, -2 leaves a static member, above 0 is the epoch the last answer gave.");
        }

        if (request.MemberEpoch != 0 && request.MemberId.Length == 0)
        {
            return (KafkaErrorCode.InvalidRequest, $"MemberId is required with MemberEpoch {request.MemberEpoch}.");
        }

        if (request.MemberEpoch == 0 && request.SubscribedTopicNames is null && request.SubscribedTopicRegex is null)
        {
            return (KafkaErrorCode.InvalidRequest, "A join (MemberEpoch 0) needs SubscribedTopicNames or SubscribedTopicRegex.");
        }

        if (request.MemberEpoch == 0 && request.Owned is { Count: > 0 })
        {
            return (KafkaErrorCode.InvalidRequest, "A join (MemberEpoch 0) cannot own partitions: TopicPartitions must be empty.");
        }

        if (request.SubscribedTopicRegex is { } regex && !IsValidRegex(regex, out var regexError))
        {
            return (KafkaErrorCode.InvalidRegularExpression, $"SubscribedTopicRegex '{regex}' is not a valid regular expression: {regexError}");
        }

        switch (request.ServerAssignor)
        {
            case null or "uniform":
                return null;
            case "range":
                assignor = GroupAssignor.Range;
                return null;
            default:
                return (KafkaErrorCode.UnsupportedAssignor, $"Server assignor '{request.ServerAssignor}' is not supported: use 'uniform' or 'range'.");
        }
    }

    /// <summary>Whether <paramref name="pattern"/> compiles as the group grain compiles subscription patterns (.NET
    /// syntax; Kafka's RE2/J patterns of the usual kind read the same).</summary>
    private static bool IsValidRegex(string pattern, out string? error)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>The grain's heartbeat for a Kafka one: null fields become omissions (unchanged), owned partitions are
    /// named by topic; an owned topic id this silo cannot name makes the whole ownership report count as unchanged,
    /// the safe reading (nothing the member holds is taken for released).</summary>
    private async Task<GroupHeartbeatRequest> ToGroupHeartbeatAsync(RequestHeader header, ConsumerGroupHeartbeatApi.Request request, GroupAssignor assignor)
    {
        var join = request.MemberEpoch == 0;
        var omitted = GroupHeartbeatOmissions.None;
        if (!join && request.SubscribedTopicNames is null && request.SubscribedTopicRegex is null)
        {
            omitted |= GroupHeartbeatOmissions.Subscription;
        }

        if (!join && request.RebalanceTimeoutMs < 0)
        {
            omitted |= GroupHeartbeatOmissions.MaxPollInterval;
        }

        var owned = new List<GroupPartition>();
        if (request.Owned is null)
        {
            omitted |= join ? GroupHeartbeatOmissions.None : GroupHeartbeatOmissions.OwnedPartitions;
        }
        else
        {
            foreach (var topic in request.Owned)
            {
                if (await _topicIds.TryResolveAsync(topic.TopicId).ConfigureAwait(false) is { } name)
                {
                    owned.AddRange(topic.Partitions.Distinct().Select(p => new GroupPartition(name, p)));
                }
                else if (!join)
                {
                    // Not known here (yet): reading it as released could hand a partition the member still consumes
                    // to another; it keeps everything it holds until a later heartbeat names it.
                    omitted |= GroupHeartbeatOmissions.OwnedPartitions;
                }
            }
        }

        var rebalanceTimeout = request.RebalanceTimeoutMs > 0 ? TimeSpan.FromMilliseconds(request.RebalanceTimeoutMs) : DefaultConsumerRebalanceTimeout;
        return new GroupHeartbeatRequest(
            request.MemberId,
            request.MemberEpoch,
            request.InstanceId,
            header.ClientId ?? "",
            request.SubscribedTopicNames ?? [],
            request.SubscribedTopicRegex,
            assignor,
            ConsumerSessionTimeout,
            rebalanceTimeout,
            TimeSpan.Zero, // a Kafka client leaves by itself when it did not poll in time
            owned)
        {
            Omitted = omitted,
            RequireReleasedInstance = true, // KIP-848: a second live member of an instance is refused, not let in
            RackId = request.RackId,
        };
    }

    /// <summary>Each group as its grain sees it: members with their subscription, current and target assignment.
    /// A group that does not exist, or that has classic-protocol members, is GROUP_ID_NOT_FOUND, as Kafka answers.</summary>
    private async Task<ResponseFrame?> ConsumerGroupDescribeAsync(RequestHeader header, ConsumerGroupDescribeApi.Request request)
    {
        var response = new ConsumerGroupDescribeApi.Response();
        response.Groups.AddRange(await Task.WhenAll(request.GroupIds.Select(DescribeConsumerGroupAsync)).ConfigureAwait(false));
        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private async Task<ConsumerGroupDescribeApi.Group> DescribeConsumerGroupAsync(string groupId)
    {
        if (!GroupIds.IsValid(groupId, out var invalid))
        {
            return Failed(KafkaErrorCode.InvalidGroupId, invalid);
        }

        try
        {
            var grain = grains.GetGrain<IConsumerGroupGrain>(groupId);
            var classic = await grain.DescribeClassicAsync().ConfigureAwait(false);
            if (classic is { GroupType: "classic", Members.Count: > 0 })
            {
                return Failed(KafkaErrorCode.GroupIdNotFound, $"Group '{groupId}' is not a consumer group: its members use the classic protocol.");
            }

            var d = await grain.DescribeAsync().ConfigureAwait(false);
            var ids = await _topicIds.OfAsync(d.Members.SelectMany(m => m.Assigned.Concat(m.PendingRevocation).Concat(m.Target)).Select(p => p.Topic)).ConfigureAwait(false);
            var members = d.Members.Select(m => new ConsumerGroupDescribeApi.Member(
                m.MemberId,
                m.InstanceId,
                m.RackId,
                m.MemberEpoch,
                m.ClientId,
                "",
                m.SubscribedTopics,
                m.SubscribedPattern,
                ByTopic(m.Assigned.Concat(m.PendingRevocation)),
                ByTopic(m.Target))).ToList();
            return new ConsumerGroupDescribeApi.Group(
                KafkaErrorCode.None, null, groupId, d.State.ToString(), d.GroupEpoch, d.AssignmentEpoch, d.Assignor.ToString().ToLowerInvariant(), members);

            List<ConsumerGroupDescribeApi.TopicPartitions> ByTopic(IEnumerable<GroupPartition> partitions) =>
                [.. partitions.Where(p => ids.ContainsKey(p.Topic)).GroupBy(p => p.Topic, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => new ConsumerGroupDescribeApi.TopicPartitions(ids[g.Key], g.Key, [.. g.Select(p => p.Partition).Distinct().Order()]))];
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return Failed(KafkaErrors.ForGroup(Fail($"ConsumerGroupDescribe ({groupId})", ex)), ex.Message);
        }

        ConsumerGroupDescribeApi.Group Failed(KafkaErrorCode code, string? message) => new(code, message, groupId, "Dead", -1, -1, "", []);
    }
}
