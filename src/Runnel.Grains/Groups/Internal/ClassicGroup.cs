namespace Runnel.Grains.Internal;

/// <summary>
/// Kafka's classic group protocol as a state machine, held by the group grain: members, generation, leader, the chosen
/// protocol and the leader's assignment. The leader member assigns (client side); this only relays.
/// <code>
///   Empty --join--> PreparingRebalance --every member rejoined / deadline--> CompletingRebalance
///                        ^                                                        |  leader's sync
///                        +---- join, leave, session expiry, sync deadline --- Stable &lt;--+
/// </code>
/// A round waits for every known member to rejoin, at most until the longest rebalance timeout; then the members that
/// did not rejoin are removed. Waiting calls hold a task each (<see cref="Member.PendingJoin"/>, <see cref="Member.PendingSync"/>)
/// that the round's end completes. Not thread-safe: the grain calls it from its turns only. Nothing here is durable.
/// <para>
/// <see cref="Drain"/> converts the group to server-side assignment (a Runnel or KIP-848 member joined it, as Kafka 4
/// converts a classic group online): no round completes any more, every member is told to rejoin (heartbeats and syncs
/// answer REBALANCE_IN_PROGRESS, waiting joins <see cref="ClassicGroupError.ServerAssigned"/>), and each rejoin
/// <see cref="Release">releases</see> the member to the grain's own protocol. Members that do not rejoin within the
/// longest rebalance timeout are removed. While any member remains it may still hold partitions the leader gave it.
/// </para>
/// </summary>
internal sealed class ClassicGroup(TimeProvider time)
{
    public enum Phase
    {
        Empty,
        PreparingRebalance,
        CompletingRebalance,
        Stable,
    }

    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);

    public Phase State { get; private set; } = Phase.Empty;

    public int Generation { get; private set; }

    public string ProtocolType { get; private set; } = "";

    public string ProtocolName { get; private set; } = "";

    public string LeaderId { get; private set; } = "";

    /// <summary>The member ids released to server-side assignment by <see cref="Drain"/> or <see cref="Release"/>: a
    /// late call of theirs is answered <see cref="ClassicGroupError.ServerAssigned"/>.</summary>
    private readonly HashSet<string> _released = new(StringComparer.Ordinal);

    /// <summary>True once the group converts to server-side assignment (<see cref="Drain"/>) until its last member
    /// is gone.</summary>
    public bool Draining { get; private set; }

    /// <summary>When the current round (join or sync) gives up on members that did not answer.</summary>
    public DateTimeOffset RoundDeadline { get; private set; } = DateTimeOffset.MaxValue;

    public int Count => _members.Count;

    public IEnumerable<Member> Members => _members.Values;

    public bool TryGet(string memberId, out Member member) => _members.TryGetValue(memberId, out member!);

    /// <summary>A join. Returns the member's pending join (completed at once when this join ended the round).</summary>
    public Task<ClassicJoinResponse> Join(ClassicJoinRequest request)
    {
        if (Draining)
        {
            Release(request.MemberId);
            return Task.FromResult(Failed(ClassicGroupError.ServerAssigned, request.MemberId));
        }

        if (_members.Count > 0 && (request.ProtocolType != ProtocolType || !request.Protocols.Any(p => _members.Values.All(m => m.Supports(p.Name)))))
        {
            return Task.FromResult(Failed(ClassicGroupError.InconsistentProtocol, request.MemberId));
        }

        if (request.Protocols.Count == 0)
        {
            return Task.FromResult(Failed(ClassicGroupError.InconsistentProtocol, request.MemberId));
        }

        Member member;
        if (string.IsNullOrEmpty(request.MemberId))
        {
            if (request.InstanceId is { } instance && _members.Values.FirstOrDefault(m => m.InstanceId == instance) is { } previous)
            {
                // A static member restarted: the new one takes its place, the old one is fenced.
                Remove(previous, ClassicGroupError.UnknownMember);
            }

            member = new Member($"{(request.ClientId.Length == 0 ? "member" : request.ClientId)}-{Guid.NewGuid():N}");
            _members.Add(member.MemberId, member);
        }
        else if (!_members.TryGetValue(request.MemberId, out member!))
        {
            return Task.FromResult(Failed(ClassicGroupError.UnknownMember, request.MemberId));
        }

        member.InstanceId = request.InstanceId;
        member.ClientId = request.ClientId;
        member.ClientHost = request.ClientHost;
        member.Protocols = request.Protocols;
        member.SessionTimeout = request.SessionTimeout;
        member.RebalanceTimeout = request.RebalanceTimeout;
        member.SessionDeadline = time.GetUtcNow() + request.SessionTimeout;
        ProtocolType = request.ProtocolType;
        member.LastJoin = null;
        member.PendingJoin ??= NewSource<ClassicJoinResponse>();
        var pending = member.PendingJoin.Task;
        if (State != Phase.PreparingRebalance)
        {
            StartRebalance();
        }

        TryCompleteJoin();
        return pending;
    }

    /// <summary>Starts the conversion to server-side assignment (see the type's remarks). Idempotent.</summary>
    public void Drain()
    {
        if (Draining || _members.Count == 0)
        {
            return;
        }

        Draining = true;
        State = Phase.PreparingRebalance;
        RoundDeadline = time.GetUtcNow() + _members.Values.Max(m => m.RebalanceTimeout);
        foreach (var member in _members.Values.ToList())
        {
            if (member.PendingJoin is not null)
            {
                // Waiting for a round that will not come: it joins the grain's protocol instead.
                Release(member.MemberId);
            }
            else
            {
                member.PendingSync?.TrySetResult(new ClassicSyncResponse(ClassicGroupError.RebalanceInProgress, []));
                member.PendingSync = null;
            }
        }
    }

    /// <summary>Removes <paramref name="memberId"/> from the classic group because it rejoins under server-side
    /// assignment: a waiting join is answered <see cref="ClassicGroupError.ServerAssigned"/>. No round starts.</summary>
    public void Release(string memberId)
    {
        if (_members.TryGetValue(memberId, out var member))
        {
            Remove(member, ClassicGroupError.ServerAssigned);
            _released.Add(memberId);
            EndDrainIfEmpty();
        }
    }

    /// <summary>True when <paramref name="memberId"/> was released to server-side assignment.</summary>
    public bool WasReleased(string memberId) => _released.Contains(memberId);

    /// <summary>The leader's sync stores every assignment and makes the group stable; a follower's waits for it.</summary>
    public Task<ClassicSyncResponse> Sync(string memberId, int generation, IReadOnlyList<ClassicAssignment> assignments)
    {
        if (Check(memberId, generation, out var member) is { } error)
        {
            return Task.FromResult(new ClassicSyncResponse(error, []));
        }

        member.SessionDeadline = time.GetUtcNow() + member.SessionTimeout;
        switch (State)
        {
            case Phase.Stable:
                return Task.FromResult(new ClassicSyncResponse(ClassicGroupError.None, member.Assignment));
            case Phase.CompletingRebalance when memberId == LeaderId:
                var given = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var assignment in assignments)
                {
                    given[assignment.MemberId] = assignment.Assignment;
                }

                foreach (var m in _members.Values)
                {
                    m.Assignment = given.GetValueOrDefault(m.MemberId) ?? [];
                    m.PendingSync?.TrySetResult(new ClassicSyncResponse(ClassicGroupError.None, m.Assignment));
                    m.PendingSync = null;
                }

                State = Phase.Stable;
                RoundDeadline = DateTimeOffset.MaxValue;
                return Task.FromResult(new ClassicSyncResponse(ClassicGroupError.None, member.Assignment));
            case Phase.CompletingRebalance:
                member.PendingSync ??= NewSource<ClassicSyncResponse>();
                return member.PendingSync.Task;
            default:
                return Task.FromResult(new ClassicSyncResponse(ClassicGroupError.RebalanceInProgress, []));
        }
    }

    public ClassicGroupError Heartbeat(string memberId, int generation)
    {
        if (!_members.TryGetValue(memberId, out var member))
        {
            return ClassicGroupError.UnknownMember;
        }

        member.SessionDeadline = time.GetUtcNow() + member.SessionTimeout;
        if (generation != Generation)
        {
            return ClassicGroupError.IllegalGeneration;
        }

        return State == Phase.PreparingRebalance ? ClassicGroupError.RebalanceInProgress : ClassicGroupError.None;
    }

    public ClassicGroupError Leave(string memberId)
    {
        if (!_members.TryGetValue(memberId, out var member))
        {
            return ClassicGroupError.UnknownMember;
        }

        Remove(member, ClassicGroupError.UnknownMember);
        AfterRemoval();
        return ClassicGroupError.None;
    }

    /// <summary>Whether a member at <paramref name="generation"/> may commit offsets (null) or why not.</summary>
    public ClassicGroupError? CheckCommit(string memberId, int generation) => Check(memberId, generation, out _);

    /// <summary>Removes members whose session expired (a member waiting in a join round is bounded by the round's
    /// deadline instead) and ends a round whose deadline passed. Returns the removed member ids.</summary>
    public IReadOnlyList<string> Expire()
    {
        var now = time.GetUtcNow();
        if (Draining)
        {
            // Members that neither rejoined nor stopped heartbeating by the deadline are removed, as a round's late ones.
            var gone = _members.Values.Where(m => m.SessionDeadline <= now || now >= RoundDeadline).ToList();
            foreach (var member in gone)
            {
                Remove(member, ClassicGroupError.UnknownMember);
            }

            EndDrainIfEmpty();
            return [.. gone.Select(m => m.MemberId)];
        }

        var expired = _members.Values.Where(m => m.PendingJoin is null && m.SessionDeadline <= now).ToList();
        foreach (var member in expired)
        {
            Remove(member, ClassicGroupError.UnknownMember);
        }

        if (expired.Count > 0)
        {
            AfterRemoval();
        }

        if (now >= RoundDeadline)
        {
            if (State == Phase.PreparingRebalance)
            {
                foreach (var late in _members.Values.Where(m => m.PendingJoin is null).ToList())
                {
                    Remove(late, ClassicGroupError.UnknownMember);
                    expired.Add(late);
                }

                CompleteJoin();
            }
            else if (State == Phase.CompletingRebalance)
            {
                // The leader never sent the assignment: start over.
                StartRebalance();
            }
        }

        return [.. expired.Select(m => m.MemberId)];
    }

    public string StateName => State switch
    {
        Phase.Empty => "Empty",
        Phase.PreparingRebalance => "PreparingRebalance",
        Phase.CompletingRebalance => "CompletingRebalance",
        _ => "Stable",
    };

    private ClassicGroupError? Check(string memberId, int generation, out Member member)
    {
        if (!_members.TryGetValue(memberId, out member!))
        {
            return ClassicGroupError.UnknownMember;
        }

        return generation != Generation ? ClassicGroupError.IllegalGeneration : null;
    }

    private void EndDrainIfEmpty()
    {
        if (Draining && _members.Count == 0)
        {
            Draining = false;
            State = Phase.Empty;
            RoundDeadline = DateTimeOffset.MaxValue;
            LeaderId = "";
            ProtocolName = "";
        }
    }

    private void AfterRemoval()
    {
        if (Draining)
        {
            EndDrainIfEmpty();
            return;
        }

        if (_members.Count == 0)
        {
            State = Phase.Empty;
            RoundDeadline = DateTimeOffset.MaxValue;
            LeaderId = "";
            ProtocolName = "";
            return;
        }

        if (State != Phase.PreparingRebalance)
        {
            StartRebalance();
        }

        TryCompleteJoin();
    }

    private void StartRebalance()
    {
        State = Phase.PreparingRebalance;
        RoundDeadline = time.GetUtcNow() + _members.Values.Max(m => m.RebalanceTimeout);
        foreach (var member in _members.Values)
        {
            member.PendingSync?.TrySetResult(new ClassicSyncResponse(ClassicGroupError.RebalanceInProgress, []));
            member.PendingSync = null;
        }
    }

    private void TryCompleteJoin()
    {
        if (State == Phase.PreparingRebalance && _members.Values.All(m => m.PendingJoin is not null))
        {
            CompleteJoin();
        }
    }

    /// <summary>Ends a join round: a new generation, the protocol most members prefer among those all support, the
    /// leader (the previous one if it rejoined), and every waiting join answered.</summary>
    private void CompleteJoin()
    {
        if (_members.Count == 0)
        {
            AfterRemoval();
            return;
        }

        Generation++;
        var members = _members.Values.ToList();
        var candidates = members[0].Protocols.Select(p => p.Name).Where(name => members.All(m => m.Supports(name))).ToList();
        ProtocolName = candidates
            .OrderByDescending(name => members.Count(m => m.Protocols.First(p => candidates.Contains(p.Name)).Name == name))
            .ThenBy(candidates.IndexOf)
            .First();
        if (!_members.ContainsKey(LeaderId))
        {
            LeaderId = members[0].MemberId;
        }

        State = Phase.CompletingRebalance;
        RoundDeadline = time.GetUtcNow() + members.Max(m => m.RebalanceTimeout);
        var all = members.Select(m => new ClassicMemberMetadata(m.MemberId, m.InstanceId, m.Protocols.First(p => p.Name == ProtocolName).Metadata)).ToList();
        var now = time.GetUtcNow();
        foreach (var member in members)
        {
            member.Assignment = [];
            member.SessionDeadline = now + member.SessionTimeout;
            var pending = member.PendingJoin;
            member.PendingJoin = null;
            member.LastJoin = new ClassicJoinResponse(
                ClassicGroupError.None, member.MemberId, Generation, ProtocolName, LeaderId, member.MemberId == LeaderId ? all : []);
            pending?.TrySetResult(member.LastJoin);
        }
    }

    private void Remove(Member member, ClassicGroupError error)
    {
        _members.Remove(member.MemberId);
        member.PendingJoin?.TrySetResult(Failed(error, member.MemberId));
        member.PendingSync?.TrySetResult(new ClassicSyncResponse(error, []));
        member.PendingJoin = null;
        member.PendingSync = null;
    }

    private static ClassicJoinResponse Failed(ClassicGroupError error, string memberId) => new(error, memberId, -1, "", "", []);

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One classic member.</summary>
    internal sealed class Member(string memberId)
    {
        public string MemberId { get; } = memberId;

        public string? InstanceId { get; set; }

        public string ClientId { get; set; } = "";

        public string ClientHost { get; set; } = "";

        public IReadOnlyList<ClassicProtocol> Protocols { get; set; } = [];

        public TimeSpan SessionTimeout { get; set; }

        public TimeSpan RebalanceTimeout { get; set; }

        public DateTimeOffset SessionDeadline { get; set; }

        /// <summary>The leader's assignment for this member in the current generation (empty until the leader syncs).</summary>
        public byte[] Assignment { get; set; } = [];

        public TaskCompletionSource<ClassicJoinResponse>? PendingJoin { get; set; }

        /// <summary>The answer to the member's last join, kept until it joins again: a waiter that arrives after the
        /// round ended (its first call answered "pending", the round completed before it came back) still gets it.</summary>
        public ClassicJoinResponse? LastJoin { get; set; }

        public TaskCompletionSource<ClassicSyncResponse>? PendingSync { get; set; }

        public bool Supports(string protocol) => Protocols.Any(p => p.Name == protocol);
    }
}
