using Runnel.Grains.Internal;

namespace Runnel.Grains;

public sealed partial class ConsumerGroupGrain
{
    /// <summary>
    /// Commits offsets, all or nothing. A member's commit needs its id, its current (or previous) epoch and every
    /// partition held by it (assigned or still revoking); a standalone commit (empty member id) needs a group with no
    /// members. A Kafka classic member's commit needs its id and the current generation (in the epoch field), and may
    /// name any partition (the leader assigns, not the grain). No offset moves backwards. Durable when it returns; a commit that changes nothing writes nothing.
    /// </summary>
    public async ValueTask CommitOffsetsAsync(OffsetCommitRequest request, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidId();
        ArgumentNullException.ThrowIfNull(request);
        ValidateOffsets(request.Offsets);
        if (!string.IsNullOrEmpty(request.MemberId) && !_exists)
        {
            throw new RunnelException(RunnelErrorCode.UnknownMember, $"Member '{request.MemberId}' is not in group '{GroupId}' (the group does not exist).");
        }

        await EnsureOpenAsync(cancellationToken);
        var draft = _membership.Clone();
        var changes = new List<GroupChange>();
        ExpireSessions(draft, changes);
        CheckCommit(draft, request);
        var fresh = request.Offsets.Where(o => !_offsets.TryGetValue(new GroupPartition(o.Topic, o.Partition), out var committed) || committed != o).ToList();
        if (fresh.Count > 0)
        {
            Emit(draft, changes, new OffsetsCommitted(fresh, Reset: false));
        }

        await LogChangesAsync(draft, changes, cancellationToken);
    }

    /// <summary>Who may commit and what (shared by plain and transactional commits): a standalone commit (empty member id)
    /// needs a group with no members; a classic member its current generation; a member its epoch and every partition
    /// held by it. No offset moves backwards.</summary>
    private void CheckCommit(GroupMembership draft, OffsetCommitRequest request)
    {
        if (string.IsNullOrEmpty(request.MemberId))
        {
            if (draft.Members.Count > 0 || ClassicMemberCount > 0)
            {
                throw NotEmpty(draft, "take a standalone commit (one without a member id)");
            }
        }
        else if (IsClassicMember(request.MemberId))
        {
            CheckClassicCommit(request);
        }
        else
        {
            var member = FindMember(draft, request.MemberId);
            CheckEpoch(member, request.MemberEpoch, []);
            if (request.Offsets.FirstOrDefault(o => !member.Holds(new GroupPartition(o.Topic, o.Partition))) is { } unowned)
            {
                throw new RunnelException(
                    RunnelErrorCode.OffsetCommitRejected,
                    $"Commit of member '{member.MemberId}' (epoch {request.MemberEpoch}) to group '{GroupId}' rejected: it does not own partition {PartitionKey.Format(unowned.Topic, unowned.Partition)}. Nothing was committed.");
            }
        }

        foreach (var offset in request.Offsets)
        {
            if (_offsets.TryGetValue(new GroupPartition(offset.Topic, offset.Partition), out var committed) && offset.Offset < committed.Offset)
            {
                throw new RunnelException(
                    RunnelErrorCode.OffsetCommitRejected,
                    $"Commit to group '{GroupId}' rejected: offset {offset.Offset} for partition {PartitionKey.Format(offset.Topic, offset.Partition)} is below the committed {committed.Offset} (only a reset moves offsets back). Nothing was committed.");
            }
        }
    }
}
