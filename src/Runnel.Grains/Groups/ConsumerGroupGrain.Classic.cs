using Runnel.Grains.Internal;

namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    /// <summary>The longest a classic session or rebalance timeout may be.</summary>
    private static readonly TimeSpan MaxClassicTimeout = TimeSpan.FromHours(1);

    private ClassicGroup? _classic;

    private ClassicGroup Classic => _classic ??= new ClassicGroup(_time);

    public async ValueTask<ClassicJoinResponse> JoinClassicAsync(ClassicJoinRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ArgumentNullException.ThrowIfNull(request);
        ValidateClassicJoin(request);
        if (_membership.Members.Count > 0 || _classic is { Draining: true })
        {
            // Runnel's own members are assigned by the grain: the classic member joins as one of them (a member of a
            // converting classic group leaves it for that).
            _classic?.Release(request.MemberId);
            return new ClassicJoinResponse(ClassicGroupError.ServerAssigned, request.MemberId, -1, "", "", []);
        }

        await EnsureOpenAsync(cancellationToken);
        var pending = Classic.Join(request);
        if (pending.IsCompleted)
        {
            var done = await pending;
            LogClassicJoined(_logger, GroupId, done.MemberId, done.GenerationId, done.Error);
            return done;
        }

        var memberId = Classic.Members.First(m => m.PendingJoin?.Task == pending).MemberId;
        return new ClassicJoinResponse(ClassicGroupError.Pending, memberId, -1, "", "", []);
    }

    public async ValueTask<ClassicJoinResponse> AwaitClassicJoinAsync(string memberId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (_classic is null || !_classic.TryGet(memberId, out var member))
        {
            var error = _classic?.WasReleased(memberId) == true ? ClassicGroupError.ServerAssigned : ClassicGroupError.UnknownMember;
            return new ClassicJoinResponse(error, memberId, -1, "", "", []);
        }

        if (member.PendingJoin is not { } pending)
        {
            // The round ended between the member's first call and this one: its answer was kept. A member with no
            // join at all is told to join.
            return member.LastJoin ?? new ClassicJoinResponse(ClassicGroupError.RebalanceInProgress, memberId, -1, "", "", []);
        }

        try
        {
            var done = await pending.Task.WaitAsync(ClampWait(maxWait), _time, cancellationToken);
            LogClassicJoined(_logger, GroupId, done.MemberId, done.GenerationId, done.Error);
            return done;
        }
        catch (TimeoutException)
        {
            return new ClassicJoinResponse(ClassicGroupError.Pending, memberId, -1, "", "", []);
        }
    }

    public ValueTask<ClassicSyncResponse> SyncClassicAsync(string memberId, int generationId, IReadOnlyList<ClassicAssignment> assignments, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ArgumentNullException.ThrowIfNull(assignments);
        if (IsServerAssigned(memberId))
        {
            return ValueTask.FromResult(new ClassicSyncResponse(ClassicGroupError.ServerAssigned, []));
        }

        if (_classic is null)
        {
            return ValueTask.FromResult(new ClassicSyncResponse(ClassicGroupError.UnknownMember, []));
        }

        var pending = _classic.Sync(memberId, generationId, assignments);
        return ValueTask.FromResult(pending.IsCompleted ? pending.Result : new ClassicSyncResponse(ClassicGroupError.Pending, []));
    }

    public async ValueTask<ClassicSyncResponse> AwaitClassicSyncAsync(string memberId, int generationId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (_classic is null || !_classic.TryGet(memberId, out var member))
        {
            return new ClassicSyncResponse(ClassicGroupError.UnknownMember, []);
        }

        if (member.PendingSync is not { } pending)
        {
            // Answered meanwhile: a stable group hands out the assignment again.
            return _classic.Sync(memberId, generationId, []) is { IsCompleted: true } done ? done.Result : new ClassicSyncResponse(ClassicGroupError.Pending, []);
        }

        try
        {
            return await pending.Task.WaitAsync(ClampWait(maxWait), _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return new ClassicSyncResponse(ClassicGroupError.Pending, []);
        }
    }

    public ValueTask<ClassicGroupError> HeartbeatClassicAsync(string memberId, int generationId, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (IsServerAssigned(memberId))
        {
            return ValueTask.FromResult(ClassicGroupError.ServerAssigned);
        }

        return ValueTask.FromResult(_classic?.Heartbeat(memberId, generationId) ?? ClassicGroupError.UnknownMember);
    }

    public ValueTask<ClassicGroupError> LeaveClassicAsync(string memberId, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (IsServerAssigned(memberId))
        {
            return ValueTask.FromResult(ClassicGroupError.ServerAssigned);
        }

        var error = _classic?.Leave(memberId) ?? ClassicGroupError.UnknownMember;
        if (error == ClassicGroupError.None)
        {
            LogClassicLeft(_logger, GroupId, memberId, _classic!.Count);
        }

        return ValueTask.FromResult(error);
    }

    public ValueTask<ClassicGroupDescription> DescribeClassicAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        if (!_exists)
        {
            return ValueTask.FromResult(new ClassicGroupDescription("Dead", "classic", "", "", -1, []));
        }

        if (_classic is { Count: > 0 } classic)
        {
            var members = classic.Members
                .Select(m => new ClassicMemberDescription(
                    m.MemberId, m.InstanceId, m.ClientId, m.ClientHost, m.Protocols.FirstOrDefault(p => p.Name == classic.ProtocolName)?.Metadata ?? [], m.Assignment))
                .ToList();
            return ValueTask.FromResult(new ClassicGroupDescription(classic.StateName, "classic", classic.ProtocolType, classic.ProtocolName, classic.Generation, members));
        }

        var runnel = _membership.Members.Values
            .OrderBy(m => m.MemberId, StringComparer.Ordinal)
            .Select(m => new ClassicMemberDescription(m.MemberId, m.InstanceId, m.ClientId, "", [], []))
            .ToList();
        var state = runnel.Count == 0 ? "Empty" : "Stable";
        return ValueTask.FromResult(new ClassicGroupDescription(state, runnel.Count == 0 ? "classic" : "consumer", "consumer", runnel.Count == 0 ? "" : _membership.Target.Assignor.ToString().ToLowerInvariant(), _membership.GroupEpoch, runnel));
    }

    /// <summary>How many classic members the group has (they count as members for standalone commits, resets and deletes).</summary>
    private int ClassicMemberCount => _classic?.Count ?? 0;

    /// <summary>The session timer's share: expired classic members leave, a round past its deadline ends.</summary>
    private void ExpireClassic()
    {
        if (_classic is null)
        {
            return;
        }

        foreach (var id in _classic.Expire())
        {
            LogClassicExpired(_logger, GroupId, id);
        }
    }

    /// <summary>A classic member's commit: known member, current generation (Kafka's UNKNOWN_MEMBER_ID and
    /// ILLEGAL_GENERATION as <see cref="RunnelErrorCode.UnknownMember"/> and <see cref="RunnelErrorCode.FencedMember"/>).
    /// The assignment is the leader's business: any partition may be committed.</summary>
    private void CheckClassicCommit(OffsetCommitRequest request)
    {
        switch (_classic?.CheckCommit(request.MemberId, request.MemberEpoch))
        {
            case null:
                return;
            case ClassicGroupError.IllegalGeneration:
                throw new RunnelException(RunnelErrorCode.FencedMember, $"Member '{request.MemberId}' of group '{GroupId}' commits at generation {request.MemberEpoch}, but the group is at {_classic.Generation}: rejoin.");
            default:
                throw new RunnelException(RunnelErrorCode.UnknownMember, $"Member '{request.MemberId}' is not in group '{GroupId}'.");
        }
    }

    /// <summary>True when <paramref name="memberId"/> is a member the grain assigns for (not one of the client-assigned
    /// classic group's).</summary>
    private bool IsServerAssigned(string memberId) => !IsClassicMember(memberId) && _membership.Members.ContainsKey(memberId);

    private bool IsClassicMember(string memberId) => _classic is not null && _classic.TryGet(memberId, out _);

    private static TimeSpan ClampWait(TimeSpan maxWait) =>
        maxWait <= TimeSpan.Zero ? TimeSpan.Zero : maxWait > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : maxWait;

    private static void ValidateClassicJoin(ClassicJoinRequest request)
    {
        if (request.Protocols is null || request.ProtocolType is null || request.ClientId is null || request.ClientHost is null || request.MemberId is null)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, "A classic join needs a member id (empty for a new member), a client id, a client host, a protocol type and protocols.");
        }

        if (request.SessionTimeout <= TimeSpan.Zero || request.SessionTimeout > MaxClassicTimeout || request.RebalanceTimeout <= TimeSpan.Zero || request.RebalanceTimeout > MaxClassicTimeout)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Session timeout {request.SessionTimeout} and rebalance timeout {request.RebalanceTimeout} must each be above zero and at most {MaxClassicTimeout}.");
        }
    }
}
