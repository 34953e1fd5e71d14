namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>
/// Drives simulated members in rounds and records, after every heartbeat answer, who owns what: the recorded history
/// must never show a partition owned by two members at once.
/// </summary>
public sealed class OwnershipHistory
{
    private readonly List<string> _violations = [];

    public int Steps { get; private set; }

    public IReadOnlyList<string> Violations => _violations;

    /// <summary>Checks the owned sets right now (after one member's answer).</summary>
    public void Record(IEnumerable<SimulatedMember> members)
    {
        Steps++;
        var owners = new Dictionary<GroupPartition, string>();
        foreach (var member in members)
        {
            foreach (var p in member.Owned)
            {
                if (owners.TryGetValue(p, out var other))
                {
                    _violations.Add($"step {Steps}: {p} owned by {other} and {member.Name}");
                }

                owners[p] = member.Name;
            }
        }
    }

    /// <summary>Heartbeats every member in turn, round after round, until a whole round changes no member's epoch or
    /// owned set and the group describes itself Stable (at most <paramref name="maxRounds"/> rounds); returns the rounds
    /// it took.</summary>
    public async Task<int> RunUntilStableAsync(IReadOnlyList<SimulatedMember> members, int maxRounds = 20)
    {
        for (var round = 1; round <= maxRounds; round++)
        {
            var changed = false;
            foreach (var member in members)
            {
                var before = (member.Epoch, Owned: member.Owned.ToHashSet());
                await member.HeartbeatAsync();
                Record(members);
                changed |= before.Epoch != member.Epoch || !before.Owned.SetEquals(member.Owned);
            }

            if (!changed && (await members[0].Group.DescribeAsync()).State == GroupState.Stable)
            {
                return round;
            }
        }

        throw new InvalidOperationException($"The group did not settle within {maxRounds} rounds.");
    }

    /// <summary>Partition → owner name.</summary>
    public static Dictionary<GroupPartition, string> Owners(IEnumerable<SimulatedMember> members) =>
        members.SelectMany(m => m.Owned.Select(p => (p, m.Name))).ToDictionary(x => x.p, x => x.Name);
}
