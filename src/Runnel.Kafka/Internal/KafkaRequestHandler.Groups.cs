using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>Kafka's offset.metadata.max.bytes default: longer commit metadata is refused with OFFSET_METADATA_TOO_LARGE.</summary>
    private const int MaxCommitMetadataChars = 4096;

    /// <summary>Any silo can coordinate any group (the group's state is a grain, reached from everywhere): the answer is
    /// this broker, as Metadata's. The same holds for transactional ids (key type 1): the coordinator is a grain; an id
    /// it will not take is refused by InitProducerId, with its reason.</summary>
    private Task<ResponseFrame?> FindCoordinator(RequestHeader header, FindCoordinatorApi.Request request)
    {
        var response = new FindCoordinatorApi.Response();
        if (request.KeyType is not (FindCoordinatorApi.GroupKeyType or FindCoordinatorApi.TransactionKeyType))
        {
            response.ErrorCode = KafkaErrorCode.InvalidRequest;
            response.ErrorMessage = $"Key type {request.KeyType} is not supported: consumer groups (0) and transactional ids (1) have coordinators.";
        }
        else if (request.KeyType == FindCoordinatorApi.TransactionKeyType && request.Key.Length == 0)
        {
            response.ErrorCode = KafkaErrorCode.InvalidRequest;
            response.ErrorMessage = "The transactional id is empty.";
        }
        else if (request.KeyType == FindCoordinatorApi.GroupKeyType && !GroupIds.IsValid(request.Key, out var reason))
        {
            response.ErrorCode = KafkaErrorCode.InvalidGroupId;
            response.ErrorMessage = reason;
        }
        else
        {
            response.NodeId = broker.NodeId;
            response.Host = broker.Host;
            response.Port = broker.Port;
        }

        return Task.FromResult<ResponseFrame?>(Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v)));
    }

    /// <summary>One commit per request onto the group grain (all or nothing there): standalone (generation &lt; 0,
    /// manual assignment), a classic member's at its generation, or (v9, KIP-848) a consumer-protocol member's at its
    /// member epoch: a stale epoch is then STALE_MEMBER_EPOCH, as Kafka answers, where a classic member's stale generation
    /// stays ILLEGAL_GENERATION. Partitions with bad input get their own error and are left out of the commit.</summary>
    private async Task<ResponseFrame?> OffsetCommitAsync(RequestHeader header, OffsetCommitApi.Request request)
    {
        var errors = new Dictionary<(string Topic, int Partition), KafkaErrorCode>();
        var offsets = new List<CommittedOffset>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                var code = !TopicName.IsValid(topic.Name, out _) || partition.PartitionIndex < 0 ? KafkaErrorCode.UnknownTopicOrPartition
                    : partition.CommittedOffset < 0 ? KafkaErrorCode.InvalidRequest
                    : partition.Metadata?.Length > MaxCommitMetadataChars ? KafkaErrorCode.OffsetMetadataTooLarge
                    : errors.ContainsKey((topic.Name, partition.PartitionIndex)) || offsets.Any(o => o.Topic == topic.Name && o.Partition == partition.PartitionIndex) ? KafkaErrorCode.InvalidRequest
                    : KafkaErrorCode.None;
                if (code == KafkaErrorCode.None)
                {
                    offsets.Add(new CommittedOffset(topic.Name, partition.PartitionIndex, partition.CommittedOffset, partition.Metadata));
                }
                else
                {
                    errors[(topic.Name, partition.PartitionIndex)] = code;
                }
            }
        }

        var commitCode = KafkaErrorCode.None;
        if (!GroupIds.IsValid(request.GroupId, out _))
        {
            commitCode = KafkaErrorCode.InvalidGroupId;
        }
        else if (offsets.Count > 0)
        {
            var standalone = request.GenerationId < 0;
            try
            {
                await grains.GetGrain<IConsumerGroupGrain>(request.GroupId)
                    .CommitOffsetsAsync(new OffsetCommitRequest(standalone ? "" : request.MemberId, standalone ? -1 : request.GenerationId, offsets))
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                commitCode = KafkaErrors.ForGroup(Fail($"OffsetCommit ({request.GroupId})", ex));

                // A standalone commit to a group with members is Kafka's UNKNOWN_MEMBER_ID.
                if (commitCode == KafkaErrorCode.NonEmptyGroup)
                {
                    commitCode = KafkaErrorCode.UnknownMemberId;
                }
                else if (commitCode == KafkaErrorCode.IllegalGeneration && header.ApiVersion >= 9
                    && !await IsClassicMemberAsync(request.GroupId, request.MemberId).ConfigureAwait(false))
                {
                    commitCode = KafkaErrorCode.StaleMemberEpoch;
                }
            }
        }

        var response = new OffsetCommitApi.Response();
        foreach (var topic in request.Topics)
        {
            response.Topics.Add(new OffsetCommitApi.TopicResponse(
                topic.Name,
                [.. topic.Partitions.Select(p => new OffsetCommitApi.PartitionResponse(p.PartitionIndex, errors.GetValueOrDefault((topic.Name, p.PartitionIndex), commitCode)))]));
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>Whether <paramref name="memberId"/> is a classic-protocol member of the group, asked of its grain only once
    /// a commit was refused for a stale generation or epoch, to name the refusal as Kafka does. A group that cannot be
    /// asked counts as not classic (the answer then is STALE_MEMBER_EPOCH: the client rejoins either way).</summary>
    private async Task<bool> IsClassicMemberAsync(string groupId, string memberId)
    {
        try
        {
            var classic = await grains.GetGrain<IConsumerGroupGrain>(groupId).DescribeClassicAsync().ConfigureAwait(false);
            return classic.GroupType == "classic" && classic.Members.Any(m => m.MemberId == memberId);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>A v9 OffsetFetch of a consumer-protocol member (a member id, or an epoch of 0 or more): the member must be
    /// in the group at exactly that epoch, as Kafka checks it; else UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH (the client
    /// heartbeats, then asks again). Null when the fetch may go on: anyone else's (no member id, epoch -1, as admin
    /// clients and classic consumers send) is not checked.</summary>
    private async Task<KafkaErrorCode?> CheckFetchingMemberAsync(IConsumerGroupGrain grain, OffsetFetchApi.GroupRequest group)
    {
        if (string.IsNullOrEmpty(group.MemberId) && group.MemberEpoch < 0)
        {
            return null;
        }

        GroupDescription description;
        try
        {
            description = await grain.DescribeAsync().ConfigureAwait(false);
        }
        catch (RunnelException ex) when (ex.Code == RunnelErrorCode.UnknownGroup)
        {
            return KafkaErrorCode.UnknownMemberId;
        }

        return description.Members.FirstOrDefault(m => m.MemberId == group.MemberId) is not { } member ? KafkaErrorCode.UnknownMemberId
            : member.MemberEpoch != group.MemberEpoch ? KafkaErrorCode.StaleMemberEpoch
            : null;
    }

    /// <summary>Committed offsets from each group's grain: those asked for (-1 where nothing is committed), or every
    /// committed one when the topics are null.</summary>
    private async Task<ResponseFrame?> OffsetFetchAsync(RequestHeader header, OffsetFetchApi.Request request)
    {
        var response = new OffsetFetchApi.Response();
        response.Groups.AddRange(await Task.WhenAll(request.Groups.Select(g => FetchGroupOffsetsAsync(g, request.RequireStable))).ConfigureAwait(false));

        // Before v2 there is no group-level error: each partition carries it.
        if (header.ApiVersion < 2 && response.Groups[0] is { ErrorCode: not KafkaErrorCode.None } failed)
        {
            var spread = request.Groups[0].Topics?.Select(t => new OffsetFetchApi.TopicResponse(
                t.Name, [.. t.Partitions.Select(p => new OffsetFetchApi.PartitionResponse(p, -1, null, failed.ErrorCode))])) ?? [];
            response.Groups[0] = failed with { Topics = [.. spread] };
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>One group's offsets, once a v9 consumer-protocol member asking is found current (<see
    /// cref="CheckFetchingMemberAsync"/>). With <paramref name="requireStable"/> (v7+), a partition with an offset pending in an
    /// open transaction is UNSTABLE_OFFSET_COMMIT (the client retries), as Kafka answers: the group refuses the whole
    /// question, so each asked partition is then asked alone to find which ones are pending.</summary>
    private async Task<OffsetFetchApi.GroupResponse> FetchGroupOffsetsAsync(OffsetFetchApi.GroupRequest group, bool requireStable)
    {
        if (!GroupIds.IsValid(group.GroupId, out _))
        {
            return new OffsetFetchApi.GroupResponse(group.GroupId, [], KafkaErrorCode.InvalidGroupId);
        }

        IReadOnlyList<GroupPartition>? asked = group.Topics?
            .Where(t => TopicName.IsValid(t.Name, out _))
            .SelectMany(t => t.Partitions.Where(p => p >= 0).Select(p => new GroupPartition(t.Name, p)))
            .ToList();
        IReadOnlyList<CommittedOffset> committed;
        var unstable = new HashSet<(string Topic, int Partition)>();
        var groupGrain = grains.GetGrain<IConsumerGroupGrain>(group.GroupId);
        try
        {
            if (await CheckFetchingMemberAsync(groupGrain, group).ConfigureAwait(false) is { } refused)
            {
                return new OffsetFetchApi.GroupResponse(group.GroupId, [], refused);
            }

            if (!requireStable)
            {
                committed = await groupGrain.FetchOffsetsAsync(asked).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    committed = await groupGrain.FetchStableOffsetsAsync(asked).ConfigureAwait(false);
                }
                catch (RunnelException ex) when (ex.Code == RunnelErrorCode.UnstableOffsetCommit && asked is { Count: > 0 })
                {
                    var each = new List<CommittedOffset>();
                    foreach (var partition in asked)
                    {
                        try
                        {
                            each.AddRange(await groupGrain.FetchStableOffsetsAsync([partition]).ConfigureAwait(false));
                        }
                        catch (RunnelException one) when (one.Code == RunnelErrorCode.UnstableOffsetCommit)
                        {
                            unstable.Add((partition.Topic, partition.Partition));
                        }
                    }

                    committed = each;
                }
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return new OffsetFetchApi.GroupResponse(group.GroupId, [], KafkaErrors.ForGroup(Fail($"OffsetFetch ({group.GroupId})", ex)));
        }

        var byPartition = committed.ToDictionary(c => (c.Topic, c.Partition));
        IReadOnlyList<OffsetFetchApi.TopicResponse> topics = group.Topics is { } wanted
            ? [.. wanted.Select(t => new OffsetFetchApi.TopicResponse(t.Name, [.. t.Partitions.Select(p => Answer(t.Name, p))]))]
            : [.. committed.GroupBy(c => c.Topic).Select(g => new OffsetFetchApi.TopicResponse(g.Key, [.. g.Select(c => Answer(c.Topic, c.Partition))]))];
        return new OffsetFetchApi.GroupResponse(group.GroupId, topics, KafkaErrorCode.None);

        OffsetFetchApi.PartitionResponse Answer(string topic, int partition) =>
            !TopicName.IsValid(topic, out _) || partition < 0
                ? new OffsetFetchApi.PartitionResponse(partition, -1, null, KafkaErrorCode.UnknownTopicOrPartition)
                : unstable.Contains((topic, partition))
                ? new OffsetFetchApi.PartitionResponse(partition, -1, null, KafkaErrorCode.UnstableOffsetCommit)
                : byPartition.TryGetValue((topic, partition), out var c)
                    ? new OffsetFetchApi.PartitionResponse(partition, c.Offset, c.Metadata, KafkaErrorCode.None)
                    : new OffsetFetchApi.PartitionResponse(partition, -1, null, KafkaErrorCode.None);
    }

    /// <summary>How many group grains ListGroups describes at once.</summary>
    private const int ListGroupsParallelism = 16;

    /// <summary>The groups from the catalog. From v4 (which carries each group's state), or with a filter, each is
    /// described by its grain for its state and type: one call per group, <see cref="ListGroupsParallelism"/> at a time,
    /// and each activates its group (opening its log), so listing many idle groups costs that many activations. Filters
    /// match case-insensitively, as Kafka's do.</summary>
    private async Task<ResponseFrame?> ListGroupsAsync(RequestHeader header, ListGroupsApi.Request request)
    {
        var response = new ListGroupsApi.Response();
        try
        {
            var names = await grains.GetGrain<IConsumerGroupCatalogGrain>(RunnelCluster.SingletonKey).ListGroupsAsync().ConfigureAwait(false);
            if (header.ApiVersion < 4 && request.StatesFilter.Count == 0 && request.TypesFilter.Count == 0)
            {
                response.Groups.AddRange(names.Select(name => new ListGroupsApi.Group(name, "consumer", "", "")));
            }
            else
            {
                var described = new List<(string Name, ClassicGroupDescription Description)>(names.Count);
                foreach (var chunk in names.Chunk(ListGroupsParallelism))
                {
                    described.AddRange(await Task.WhenAll(chunk.Select(async name => (name, await grains.GetGrain<IConsumerGroupGrain>(name).DescribeClassicAsync().ConfigureAwait(false))))
                        .ConfigureAwait(false));
                }

                foreach (var (name, description) in described)
                {
                    if (description.State == "Dead"
                        || (request.StatesFilter.Count > 0 && !request.StatesFilter.Contains(description.State, StringComparer.OrdinalIgnoreCase))
                        || (request.TypesFilter.Count > 0 && !request.TypesFilter.Contains(description.GroupType, StringComparer.OrdinalIgnoreCase)))
                    {
                        continue;
                    }

                    response.Groups.Add(new ListGroupsApi.Group(name, "consumer", description.State, description.GroupType));
                }
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            response.ErrorCode = KafkaErrors.ForGroup(Fail("ListGroups", ex));
            response.Groups.Clear();
        }

        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    /// <summary>Each group as its grain sees it; a group that never existed is "Dead" with no error (Kafka's answer
    /// before v6).</summary>
    private async Task<ResponseFrame?> DescribeGroupsAsync(RequestHeader header, DescribeGroupsApi.Request request)
    {
        var response = new DescribeGroupsApi.Response();
        response.Groups.AddRange(await Task.WhenAll(request.Groups.Select(DescribeGroupAsync)).ConfigureAwait(false));
        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private async Task<DescribeGroupsApi.Group> DescribeGroupAsync(string groupId)
    {
        if (!GroupIds.IsValid(groupId, out _))
        {
            return new DescribeGroupsApi.Group(KafkaErrorCode.InvalidGroupId, groupId, "", "", "", []);
        }

        try
        {
            var d = await grains.GetGrain<IConsumerGroupGrain>(groupId).DescribeClassicAsync().ConfigureAwait(false);
            var members = d.Members.Select(m => new DescribeGroupsApi.Member(m.MemberId, m.InstanceId, m.ClientId, m.ClientHost, m.Metadata, m.Assignment)).ToList();
            return new DescribeGroupsApi.Group(KafkaErrorCode.None, groupId, d.State, d.ProtocolType, d.State == "Stable" ? d.ProtocolName : "", members);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return new DescribeGroupsApi.Group(KafkaErrors.ForGroup(Fail($"DescribeGroups ({groupId})", ex)), groupId, "", "", "", []);
        }
    }

    /// <summary>Deletes each group through its grain: only a group with no members (NON_EMPTY_GROUP), only one that
    /// exists (GROUP_ID_NOT_FOUND).</summary>
    private async Task<ResponseFrame?> DeleteGroupsAsync(RequestHeader header, DeleteGroupsApi.Request request)
    {
        var response = new DeleteGroupsApi.Response();
        response.Results.AddRange(await Task.WhenAll(request.Groups.Select(async groupId =>
        {
            if (!GroupIds.IsValid(groupId, out _))
            {
                return new DeleteGroupsApi.Result(groupId, KafkaErrorCode.InvalidGroupId);
            }

            try
            {
                await grains.GetGrain<IConsumerGroupGrain>(groupId).DeleteAsync().ConfigureAwait(false);
                return new DeleteGroupsApi.Result(groupId, KafkaErrorCode.None);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                return new DeleteGroupsApi.Result(groupId, KafkaErrors.ForGroup(Fail($"DeleteGroups ({groupId})", ex)));
            }
        })).ConfigureAwait(false));
        return Encode(header, (ref KafkaWriter w, short v) => response.Write(ref w, v));
    }

    private delegate void BodyWriter(ref KafkaWriter writer, short version);

    /// <summary>A complete response frame for <paramref name="header"/> with the body <paramref name="write"/> writes.</summary>
    private static ResponseFrame Encode(RequestHeader header, BodyWriter write)
    {
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        write(ref writer, header.ApiVersion);
        return frame.Complete();
    }
}
