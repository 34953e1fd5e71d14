namespace Runnel.Grains.Internal;

/// <summary>
/// The membership half of a group's state: group epoch, members, target assignment. The grain changes a
/// <see cref="Clone"/> (a draft) through <see cref="Apply"/>, logs the changes, and only once they are durable swaps the
/// draft in; replay applies the same changes. Not thread-safe (the grain's turns are exclusive).
/// </summary>
internal sealed class GroupMembership
{
    public int GroupEpoch { get; private set; }

    public TargetAssignment Target { get; private set; } = TargetAssignment.Empty;

    public Dictionary<string, GroupMember> Members { get; private init; } = new(StringComparer.Ordinal);

    /// <summary>A copy whose changes do not touch this one (members and targets are immutable, so it is shallow).</summary>
    public GroupMembership Clone() => new()
    {
        GroupEpoch = GroupEpoch,
        Target = Target,
        Members = new Dictionary<string, GroupMember>(Members, StringComparer.Ordinal),
    };

    /// <summary>Applies a membership change; offsets changes are not this class's and are ignored.</summary>
    public void Apply(GroupChange change)
    {
        switch (change)
        {
            case MemberUpserted upserted:
                Members[upserted.Member.MemberId] = upserted.Member;
                break;
            case MemberRemoved removed:
                Members.Remove(removed.MemberId);
                break;
            case GroupEpochChanged epoch:
                GroupEpoch = epoch.GroupEpoch;
                break;
            case TargetChanged target:
                Target = target.Target;
                break;
        }
    }

    /// <summary>Loads a snapshot's membership.</summary>
    public static GroupMembership From(GroupSnapshot snapshot)
    {
        var membership = new GroupMembership { GroupEpoch = snapshot.GroupEpoch, Target = snapshot.Target };
        foreach (var member in snapshot.Members)
        {
            membership.Members[member.MemberId] = member;
        }

        return membership;
    }

    /// <summary>Who holds each partition (assigned or revoking).</summary>
    public Dictionary<GroupPartition, string> Holders()
    {
        var holders = new Dictionary<GroupPartition, string>();
        foreach (var member in Members.Values)
        {
            foreach (var p in member.Assigned.Concat(member.PendingRevocation))
            {
                holders[p] = member.MemberId;
            }
        }

        return holders;
    }
}
