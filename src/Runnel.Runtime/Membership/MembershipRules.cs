namespace Runnel.Runtime.Membership;

/// <summary>The outcome of <see cref="MembershipRules.Suspect"/>.</summary>
/// <param name="Updated">The table to write (version + 1), or null when nothing changes.</param>
/// <param name="DeclaredDead">True when <paramref name="Updated"/> declares the target Dead.</param>
/// <param name="Reason">Why (for logs).</param>
internal readonly record struct SuspectDecision(MembershipTable? Updated, bool DeclaredDead, string Reason);

/// <summary>
/// The membership decisions, as pure functions of a table read from the store (and the store's clock at that read):
/// no I/O, no local clock, no randomness. The caller writes the result with If-Match on the ETag it read; on a
/// conflict it re-reads and decides again, so every decision is made on the latest table.
/// </summary>
/// <remarks>Invariants every function keeps: the version grows by exactly one per change; a row's status never moves
/// backwards; Dead is terminal; at most one row per endpoint is live (a join makes the older generations Dead).</remarks>
internal static class MembershipRules
{
    /// <summary>Votes that declare a silo Dead: <c>min(votesForDeath, ceil(live / 2))</c>, at least 1, so that a
    /// two-silo cluster can declare its other member dead with one vote.</summary>
    public static int RequiredVotes(int liveCount, int votesForDeath) => Math.Max(1, Math.Min(votesForDeath, (liveCount + 1) / 2));

    /// <summary>
    /// Adds a silo at <paramref name="endpoint"/> as Joining. Its generation is the store's clock in Unix ms, raised
    /// above every generation already at the endpoint (so it always grows, even when a clock steps back). Every older
    /// live generation at the endpoint, and every silo in <paramref name="evict"/> (stale and unreachable, found by
    /// the caller), becomes Dead in the same write. <paramref name="process"/> (this silo's OS process, when known) is
    /// recorded in the row.
    /// </summary>
    public static MembershipTable Join(
        MembershipTable table,
        string endpoint,
        string name,
        DateTimeOffset storeNow,
        IReadOnlyCollection<SiloAddress> evict,
        int deadRowsToKeep,
        out SiloAddress self,
        SiloProcessIdentity? process = null)
    {
        var generation = storeNow.ToUnixTimeMilliseconds();
        foreach (var member in table.Members)
        {
            if (member.Silo.Endpoint == endpoint)
            {
                generation = Math.Max(generation, member.Silo.Generation + 1);
            }
        }

        self = new SiloAddress(endpoint, generation);
        var members = new List<MembershipEntry>(table.Members.Count + 1);
        foreach (var member in table.Members)
        {
            var replaced = member.Silo.Endpoint == endpoint || evict.Contains(member.Silo);
            members.Add(replaced && member.Status != SiloStatus.Dead ? member with { Status = SiloStatus.Dead } : member);
        }

        members.Add(new MembershipEntry(self, name, SiloStatus.Joining, storeNow, [], process));
        return new MembershipTable(table.Version + 1, Prune(members, deadRowsToKeep));
    }

    /// <summary>
    /// Moves <paramref name="silo"/> forward to <paramref name="status"/>. Null when nothing changes: the silo is
    /// missing, or already at that status or beyond (statuses never move back; the caller checks for Dead).
    /// </summary>
    public static MembershipTable? SetStatus(MembershipTable table, SiloAddress silo, SiloStatus status, int deadRowsToKeep)
    {
        var entry = table.Find(silo);
        if (entry is null || entry.Status >= status)
        {
            return null;
        }

        var members = table.Members.Select(m => m.Silo == silo ? m with { Status = status } : m).ToList();
        return new MembershipTable(table.Version + 1, Prune(members, deadRowsToKeep));
    }

    /// <summary>
    /// Records death votes from <paramref name="voters"/> (the prober first, then an intermediary that confirmed an
    /// indirect probe) against <paramref name="target"/>, stamped <paramref name="storeNow"/>, and declares the target
    /// Dead once the fresh votes reach <see cref="RequiredVotes"/> over the live Active/ShuttingDown silos.
    /// A vote counts while it is younger than <paramref name="voteExpiration"/> on the store's clock and its voter is
    /// still live; a voter that is not Active itself does not vote (a silo that was declared dead, or is still joining,
    /// cannot kill others).
    /// </summary>
    public static SuspectDecision Suspect(
        MembershipTable table,
        SiloAddress target,
        IReadOnlyList<SiloAddress> voters,
        DateTimeOffset storeNow,
        int votesForDeath,
        TimeSpan voteExpiration,
        int deadRowsToKeep)
    {
        var entry = table.Find(target);
        if (entry is null || entry.Status == SiloStatus.Dead)
        {
            return new SuspectDecision(null, false, "the target is already dead or gone");
        }

        var eligible = voters.Where(v => v != target && table.StatusOf(v) == SiloStatus.Active).Distinct().ToList();
        if (eligible.Count == 0 || eligible[0] != voters[0])
        {
            return new SuspectDecision(null, false, "the voter is not Active in the table");
        }

        var votes = entry.Votes
            .Where(v => storeNow - v.Time < voteExpiration
                && SiloAddress.TryParse(v.Voter, out var voter)
                && table.Find(voter) is { IsLive: true }
                && !eligible.Contains(voter))
            .ToList();
        votes.AddRange(eligible.Select(v => new SuspectVote(v.ToString(), storeNow)));

        var live = table.Members.Count(m => m.Status is SiloStatus.Active or SiloStatus.ShuttingDown);
        var required = RequiredVotes(live, votesForDeath);
        var dead = votes.Count >= required;
        var updated = entry with { Status = dead ? SiloStatus.Dead : entry.Status, Votes = votes };
        var members = table.Members.Select(m => m.Silo == target ? updated : m).ToList();
        return new SuspectDecision(
            new MembershipTable(table.Version + 1, Prune(members, deadRowsToKeep)),
            dead,
            $"{votes.Count} fresh vote(s) of {required} required over {live} live silo(s)");
    }

    /// <summary>Keeps every live row and the <paramref name="deadRowsToKeep"/> most recently started dead rows.</summary>
    private static List<MembershipEntry> Prune(List<MembershipEntry> members, int deadRowsToKeep)
    {
        var dead = members.Where(m => m.Status == SiloStatus.Dead).ToList();
        if (dead.Count <= deadRowsToKeep)
        {
            return members;
        }

        var dropped = dead.OrderByDescending(m => m.StartTime).ThenByDescending(m => m.Silo.Generation).Skip(deadRowsToKeep).Select(m => m.Silo).ToHashSet();
        return members.Where(m => !dropped.Contains(m.Silo)).ToList();
    }
}
