using System.Text.RegularExpressions;
using Runnel.Grains.Internal;

namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    /// <summary>The longest session timeout or max poll interval a member may ask for.</summary>
    private static readonly TimeSpan MaxMemberTimeout = TimeSpan.FromDays(1);

    /// <summary>
    /// Joins, heartbeats, reports owned partitions. One exclusive turn: expire sessions, find (or create) the member,
    /// check its epoch, take in subscription changes, recompute the target when the group epoch moved, reconcile the
    /// member (revoke, release, acquire), log what changed (nothing is written when nothing changed), answer.
    /// </summary>
    public async ValueTask<GroupHeartbeatResponse> HeartbeatAsync(GroupHeartbeatRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ValidateHeartbeat(request);
        await EnsureOpenAsync(cancellationToken);
        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        var fenced = new List<string>();
        ExpireClassic(); // a converting classic group's members past their deadline no longer hold anything
        ExpireSessions(draft, changes);

        string memberId;
        if (request.MemberEpoch == 0)
        {
            ThrowIfInstanceUnreleased(draft, request);
            if (_classic is { Count: > 0, Draining: false } classic)
            {
                // A classic group (its leader assigns) converts to server-side assignment, as Kafka 4 converts one
                // online: its members are told to rejoin, and each rejoins as one of the grain's members.
                classic.Drain();
                LogClassicConverting(_logger, GroupId, classic.Count);
            }

            memberId = Join(draft, request, changes, fenced);
        }
        else
        {
            var member = FindMember(draft, request.MemberId);
            request = WithOmittedFields(request, member);
            CheckEpoch(member, request.MemberEpoch, request.OwnedPartitions);
            if (request.SinceLastPoll > request.MaxPollInterval)
            {
                await RemoveForMaxPollAsync(draft, changes, member, request, cancellationToken);
            }

            memberId = member.MemberId;
            UpdateMember(draft, changes, member, request);
        }

        await UpdateTargetAsync(draft, changes, cancellationToken);
        Reconcile(draft, changes, memberId, request.OwnedPartitions, mayAcquire: ClassicMemberCount == 0);
        await LogChangesAsync(draft, changes, cancellationToken);
        foreach (var id in fenced)
        {
            RememberFenced(id);
        }

        var current = _membership.Members[memberId];
        _sessions[memberId] = _time.GetUtcNow() + current.SessionTimeout;
        var interval = TimeSpan.FromTicks(Math.Min(_options.GroupHeartbeatInterval.Ticks, current.SessionTimeout.Ticks / 3));
        return new GroupHeartbeatResponse(memberId, current.MemberEpoch, _membership.GroupEpoch, interval, current.Assigned);
    }

    public async ValueTask LeaveAsync(string memberId, int memberEpoch, bool temporary, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (string.IsNullOrEmpty(memberId))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, "LeaveAsync needs the member id.");
        }

        if (!_exists)
        {
            throw new RunnelException(RunnelErrorCode.UnknownMember, $"Member '{memberId}' is not in group '{GroupId}' (the group does not exist).");
        }

        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        ExpireSessions(draft, changes);
        var member = FindMember(draft, memberId);
        if (memberEpoch >= 0)
        {
            CheckEpoch(member, memberEpoch, []);
        }

        if (temporary && member.InstanceId is not null)
        {
            // Its assignment stays reserved for its session timeout; it owns nothing meanwhile, so nothing is revoking.
            Emit(draft, changes, new MemberUpserted(member with { Left = true, PendingRevocation = [] }));
        }
        else
        {
            Emit(draft, changes, new MemberRemoved(memberId));
            Emit(draft, changes, new GroupEpochChanged(draft.GroupEpoch + 1));
        }

        await UpdateTargetAsync(draft, changes, cancellationToken);
        await LogChangesAsync(draft, changes, cancellationToken);
        if (temporary && member.InstanceId is not null)
        {
            _sessions[memberId] = _time.GetUtcNow() + member.SessionTimeout;
        }

        LogLeft(_logger, GroupId, memberId, member.InstanceId, temporary);
    }

    private static void ValidateHeartbeat(GroupHeartbeatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? problem = null;
        if (request.MemberEpoch < 0)
        {
            problem = $"MemberEpoch must be 0 (join) or the epoch the last response gave (was {request.MemberEpoch})";
        }
        else if (request.MemberEpoch > 0 && string.IsNullOrEmpty(request.MemberId))
        {
            problem = $"MemberId is required with MemberEpoch {request.MemberEpoch} (only a join, epoch 0, may leave it empty)";
        }
        else if (request.SubscribedTopics is null || request.OwnedPartitions is null || request.ClientId is null)
        {
            problem = "SubscribedTopics, OwnedPartitions and ClientId must not be null";
        }
        else if (request.SessionTimeout <= TimeSpan.Zero || request.SessionTimeout > MaxMemberTimeout)
        {
            problem = $"SessionTimeout must be in (0, {MaxMemberTimeout}] (was {request.SessionTimeout})";
        }
        else if (request.MaxPollInterval <= TimeSpan.Zero || request.MaxPollInterval > MaxMemberTimeout)
        {
            problem = $"MaxPollInterval must be in (0, {MaxMemberTimeout}] (was {request.MaxPollInterval})";
        }
        else if (!Enum.IsDefined(request.Assignor))
        {
            problem = $"Assignor {(int)request.Assignor} is not one of Uniform, Range, RoundRobin";
        }
        else if (request.SubscribedTopics.FirstOrDefault(t => !TopicName.IsValid(t, out _)) is { } badTopic)
        {
            problem = $"subscribed topic '{badTopic}' is not a valid topic name";
        }
        else if (request.OwnedPartitions.Any(p => p is null))
        {
            problem = "OwnedPartitions must not hold null";
        }
        else if (!string.IsNullOrEmpty(request.SubscribedPattern) && !TopicPattern.TryCompile(request.SubscribedPattern, out _, out var patternError))
        {
            problem = $"SubscribedPattern '{request.SubscribedPattern}' is not a valid regular expression: {patternError}";
        }

        else if (request.MemberEpoch == 0 && request.Omitted != GroupHeartbeatOmissions.None)
        {
            problem = $"a join (MemberEpoch 0) must carry every field, but it leaves out {request.Omitted}";
        }

        if (problem is not null)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Heartbeat of member '{request.MemberId}': {problem}.");
        }
    }

    /// <summary>A join that asks for it (<see cref="GroupHeartbeatRequest.RequireReleasedInstance"/>, Kafka's consumer
    /// protocol) may not take a static instance another member holds and has not left temporarily; checked before the
    /// join changes anything (an expired holder is gone by then).</summary>
    private void ThrowIfInstanceUnreleased(GroupMembership draft, GroupHeartbeatRequest request)
    {
        if (!request.RequireReleasedInstance || request.InstanceId is not { } instance
            || draft.Members.Values.FirstOrDefault(m => m.InstanceId == instance) is not { Left: false } holder
            || holder.MemberId == request.MemberId)
        {
            return;
        }

        throw new RunnelException(
            RunnelErrorCode.UnreleasedInstanceId,
            $"Instance '{instance}' of group '{GroupId}' is held by member '{holder.MemberId}', which has not left: another member cannot take it until that one leaves (static leave) or its session timeout ({holder.SessionTimeout}) passes.");
    }

    /// <summary>A join (epoch 0): the same member again, a static instance's new member taking over its predecessor's
    /// assignment (no rebalance; refused while the predecessor has not left when the request asks,
    /// <see cref="GroupHeartbeatRequest.RequireReleasedInstance"/>), or a new member (the group epoch moves). Returns the
    /// member id.</summary>
    private string Join(GroupMembership draft, GroupHeartbeatRequest request, List<GroupChange> changes, List<string> fenced)
    {
        var owned = request.OwnedPartitions.ToHashSet();
        var previous = request.InstanceId is { } instance
            ? draft.Members.Values.FirstOrDefault(m => m.InstanceId == instance)
            : null;
        if (previous is null && request.MemberId.Length > 0)
        {
            draft.Members.TryGetValue(request.MemberId, out previous);
        }

        if (previous is not null)
        {
            var memberId = request.MemberId.Length > 0 ? request.MemberId : NewMemberId();
            if (memberId != previous.MemberId)
            {
                // A static member's new incarnation takes over its predecessor's assignment; the old id is fenced.
                Emit(draft, changes, new MemberRemoved(previous.MemberId));
                fenced.Add(previous.MemberId);
                if (draft.Target.Members.ContainsKey(previous.MemberId))
                {
                    // Same target, under the new id: the instance's return is no rebalance.
                    var renamed = draft.Target.Members
                        .Where(kv => kv.Key != previous.MemberId)
                        .Append(new KeyValuePair<string, IReadOnlyList<GroupPartition>>(memberId, draft.Target.Members[previous.MemberId]))
                        .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                    Emit(draft, changes, new TargetChanged(draft.Target with { Members = renamed }));
                }

                LogStaticReplaced(_logger, GroupId, previous.InstanceId, previous.MemberId, memberId);
            }

            // What it still reports owning of its revocations is still revoking; the rest was released.
            var rejoined = previous with
            {
                MemberId = memberId,
                PendingRevocation = [.. previous.PendingRevocation.Where(owned.Contains)],
                Left = false,
            };
            Emit(draft, changes, new MemberUpserted(rejoined));
            UpdateMember(draft, changes, rejoined, request);
            return memberId;
        }

        var id = request.MemberId.Length > 0 ? request.MemberId : NewMemberId();
        var member = new GroupMember(
            id,
            request.InstanceId,
            request.ClientId,
            MemberEpoch: 0,
            PreviousEpoch: 0,
            Normalize(request.SubscribedTopics),
            NullIfEmpty(request.SubscribedPattern),
            request.Assignor,
            request.SessionTimeout,
            request.MaxPollInterval,
            Assigned: [],
            PendingRevocation: [],
            Left: false)
        {
            RackId = request.RackId,
        };
        Emit(draft, changes, new MemberUpserted(member));
        Emit(draft, changes, new GroupEpochChanged(draft.GroupEpoch + 1));
        LogJoined(_logger, GroupId, id, request.InstanceId, request.ClientId);
        return id;
    }

    /// <summary>The heartbeat with what it left out (<see cref="GroupHeartbeatRequest.Omitted"/>) filled in from the
    /// member: its subscription, its max poll interval, and as owned partitions everything it holds.</summary>
    private static GroupHeartbeatRequest WithOmittedFields(GroupHeartbeatRequest request, GroupMember member)
    {
        var omitted = request.Omitted;
        if (omitted == GroupHeartbeatOmissions.None)
        {
            return request;
        }

        return request with
        {
            SubscribedTopics = omitted.HasFlag(GroupHeartbeatOmissions.Subscription) ? member.SubscribedTopics : request.SubscribedTopics,
            SubscribedPattern = omitted.HasFlag(GroupHeartbeatOmissions.Subscription) ? member.SubscribedPattern : request.SubscribedPattern,
            Assignor = omitted.HasFlag(GroupHeartbeatOmissions.Subscription) ? member.Assignor : request.Assignor,
            MaxPollInterval = omitted.HasFlag(GroupHeartbeatOmissions.MaxPollInterval) ? member.MaxPollInterval : request.MaxPollInterval,
            OwnedPartitions = omitted.HasFlag(GroupHeartbeatOmissions.OwnedPartitions) ? [.. member.Assigned, .. member.PendingRevocation] : request.OwnedPartitions,
            Omitted = GroupHeartbeatOmissions.None,
        };
    }

    private static string NewMemberId() => Guid.NewGuid().ToString("N");

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string[] Normalize(IReadOnlyList<string> topics) => [.. topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Takes in a heartbeat's subscription, timeouts, client id and rack (when it names one); a subscription
    /// change moves the group epoch.</summary>
    private static void UpdateMember(GroupMembership draft, List<GroupChange> changes, GroupMember member, GroupHeartbeatRequest request)
    {
        var updated = member with
        {
            ClientId = request.ClientId,
            SubscribedTopics = Normalize(request.SubscribedTopics),
            SubscribedPattern = NullIfEmpty(request.SubscribedPattern),
            Assignor = request.Assignor,
            SessionTimeout = request.SessionTimeout,
            MaxPollInterval = request.MaxPollInterval,
            Left = false,
            RackId = request.RackId ?? member.RackId,
        };
        if (updated.SameSubscription(member) && updated.ClientId == member.ClientId && updated.SessionTimeout == member.SessionTimeout
            && updated.MaxPollInterval == member.MaxPollInterval && updated.RackId == member.RackId && !member.Left)
        {
            return;
        }

        Emit(draft, changes, new MemberUpserted(updated));
        if (!updated.SameSubscription(member))
        {
            Emit(draft, changes, new GroupEpochChanged(draft.GroupEpoch + 1));
        }
    }

    private GroupMember FindMember(GroupMembership draft, string memberId)
    {
        if (draft.Members.TryGetValue(memberId, out var member))
        {
            return member;
        }

        throw _fenced.Contains(memberId)
            ? new RunnelException(RunnelErrorCode.FencedMember, $"Member '{memberId}' of group '{GroupId}' was replaced by a newer member of its static instance: drop every partition and rejoin.")
            : new RunnelException(RunnelErrorCode.UnknownMember, $"Member '{memberId}' is not in group '{GroupId}' (it left, or its session expired): rejoin.");
    }

    /// <summary>The member's current epoch passes; so does the previous one (the response that moved it was lost) when
    /// the member owns nothing it may not. Anything else is a zombie: fenced.</summary>
    private void CheckEpoch(GroupMember member, int epoch, IReadOnlyList<GroupPartition> owned)
    {
        if (epoch == member.MemberEpoch || (epoch == member.PreviousEpoch && owned.All(member.Holds)))
        {
            return;
        }

        throw new RunnelException(RunnelErrorCode.FencedMember, $"Member '{member.MemberId}' of group '{GroupId}' sent epoch {epoch}; its epoch is {member.MemberEpoch}: drop every partition and rejoin.");
    }

    /// <summary>The member did not poll in time: it is removed (its partitions are free at once) and told so.</summary>
    private async Task RemoveForMaxPollAsync(GroupMembership draft, List<GroupChange> changes, GroupMember member, GroupHeartbeatRequest request, CancellationToken cancellationToken)
    {
        Emit(draft, changes, new MemberRemoved(member.MemberId));
        Emit(draft, changes, new GroupEpochChanged(draft.GroupEpoch + 1));
        await UpdateTargetAsync(draft, changes, cancellationToken);
        await LogChangesAsync(draft, changes, cancellationToken);
        LogMaxPollExceeded(_logger, GroupId, member.MemberId, request.SinceLastPoll, request.MaxPollInterval);
        throw new RunnelException(
            RunnelErrorCode.MaxPollIntervalExceeded,
            $"Member '{member.MemberId}' of group '{GroupId}' last polled {request.SinceLastPoll} ago, more than its max poll interval {request.MaxPollInterval}: its partitions were taken back; rejoin.");
    }

    /// <summary>
    /// Moves the member towards its target: partitions it reported no longer owning leave its pending revocations;
    /// assigned partitions no longer in its target become pending revocations (or go at once if it does not own them);
    /// target partitions nobody else holds are assigned. Its epoch moves when its instructions change (and on its first
    /// answer, so a member never stays at 0). Nothing new is assigned while <paramref name="mayAcquire"/> is false:
    /// members of a converting classic group remain, and they may still hold partitions their leader gave them, which
    /// the grain does not know, so nobody takes a new partition until they rejoined (reporting what they own) or left.
    /// </summary>
    private static void Reconcile(GroupMembership draft, List<GroupChange> changes, string memberId, IReadOnlyList<GroupPartition> ownedList, bool mayAcquire)
    {
        var member = draft.Members[memberId];
        var target = draft.Target.For(memberId).ToHashSet();
        var owned = ownedList.ToHashSet();
        var assigned = new SortedSet<GroupPartition>(member.Assigned, PartitionOrder.Instance);
        var revoking = new SortedSet<GroupPartition>(member.PendingRevocation.Where(owned.Contains), PartitionOrder.Instance);

        foreach (var p in revoking.Where(target.Contains).ToList())
        {
            revoking.Remove(p);
            assigned.Add(p);
        }

        foreach (var p in assigned.Where(p => !target.Contains(p)).ToList())
        {
            assigned.Remove(p);
            if (owned.Contains(p))
            {
                revoking.Add(p);
            }
        }

        var holders = draft.Holders();
        foreach (var p in mayAcquire ? target : Enumerable.Empty<GroupPartition>())
        {
            if (!assigned.Contains(p) && !revoking.Contains(p) && (!holders.TryGetValue(p, out var holder) || holder == memberId))
            {
                assigned.Add(p);
            }
        }

        var instructionsChanged = !assigned.SetEquals(member.Assigned) || revoking.Any(p => !member.PendingRevocation.Contains(p));
        if (!instructionsChanged && revoking.SetEquals(member.PendingRevocation) && member.MemberEpoch != 0)
        {
            return;
        }

        var epoch = instructionsChanged || member.MemberEpoch == 0 ? Math.Max(member.MemberEpoch + 1, draft.Target.Epoch) : member.MemberEpoch;
        Emit(draft, changes, new MemberUpserted(member with
        {
            MemberEpoch = epoch,
            PreviousEpoch = epoch != member.MemberEpoch ? member.MemberEpoch : member.PreviousEpoch,
            Assigned = [.. assigned],
            PendingRevocation = [.. revoking],
        }));
    }

    /// <summary>Removes members whose session deadline passed (a static member that left temporarily included).</summary>
    private void ExpireSessions(GroupMembership draft, List<GroupChange> changes)
    {
        var now = _time.GetUtcNow();
        var expired = draft.Members.Keys.Where(id => _sessions.TryGetValue(id, out var deadline) && deadline <= now).Order(StringComparer.Ordinal).ToList();
        foreach (var id in expired)
        {
            Emit(draft, changes, new MemberRemoved(id));
            LogSessionExpired(_logger, GroupId, id);
        }

        if (expired.Count > 0)
        {
            Emit(draft, changes, new GroupEpochChanged(draft.GroupEpoch + 1));
        }
    }

    /// <summary>The session-check timer: removes members whose session expired even when nobody else calls.</summary>
    private async ValueTask CheckSessionsAsync(CancellationToken cancellationToken)
    {
        ExpireClassic();
        if (_log is null || _lost)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (!_sessions.Values.Any(deadline => deadline <= now))
        {
            return;
        }

        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        ExpireSessions(draft, changes);
        await UpdateTargetAsync(draft, changes, cancellationToken);
        await LogChangesAsync(draft, changes, cancellationToken);
    }

    private void RememberFenced(string memberId)
    {
        _fenced.AddLast(memberId);
        _sessions.Remove(memberId);
        while (_fenced.Count > MaxRememberedFenced)
        {
            _fenced.RemoveFirst();
        }
    }

    /// <summary>Compiled subscription patterns: full-match (like Java's <c>matches</c>), culture-invariant, with a
    /// match timeout so a pathological pattern cannot stall the group.</summary>
    internal static class TopicPattern
    {
        private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

        public static bool TryCompile(string pattern, out Regex? regex, out string? error)
        {
            try
            {
                regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, MatchTimeout);
                error = null;
                return true;
            }
            catch (ArgumentException ex)
            {
                regex = null;
                error = ex.Message;
                return false;
            }
        }
    }
}
