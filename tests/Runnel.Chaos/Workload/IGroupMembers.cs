namespace Runnel.Chaos.Workload;

/// <summary>The consumer group's members, as the member nemesis attacks them.</summary>
internal interface IGroupMembers
{
    /// <summary>How many members the group runs.</summary>
    int MemberCount { get; }

    /// <summary>Member <paramref name="index"/> stops at once, as a killed process would: no commit, no leave, no more
    /// heartbeats (its partitions move when the group expires its session). A new member takes its place after
    /// <paramref name="downFor"/>. Completes when the new member has been started.</summary>
    Task CrashMemberAsync(int index, TimeSpan downFor);

    /// <summary>Member <paramref name="index"/> closes gracefully (commits on revocation, leaves the group) and a new one
    /// joins. Completes when the new member has been started.</summary>
    Task RestartMemberAsync(int index);
}
