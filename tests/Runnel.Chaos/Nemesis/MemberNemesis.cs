using Runnel.Chaos.History;
using Runnel.Chaos.Workload;

namespace Runnel.Chaos.Nemesis;

/// <summary>
/// The consumer group's adversary, beside the silos' one and on its own seeded schedule (so a seed's silo actions stay
/// what they were): every 5–15 s one member either crashes (<see cref="NemesisKind.MemberCrash"/>: stops without
/// committing or leaving, a new member 2–5 s later; its partitions move when the group expires its session) or
/// restarts gracefully (<see cref="NemesisKind.MemberRestart"/>: commits on revocation, leaves, a new member joins).
/// Each action waits for the new member to start; the group rebalances under whatever the silo nemesis is doing.
/// </summary>
internal sealed class MemberNemesis(IGroupMembers members, RunClock clock, int seed, TextWriter log)
{
    private readonly Random _random = new(unchecked((seed * 7919) + 17));
    private readonly List<NemesisEvent> _events = [];

    /// <summary>The actions taken; <see cref="NemesisEvent.Silo"/> holds the member's index.</summary>
    public IReadOnlyList<NemesisEvent> Events => _events;

    /// <summary>Acts until <paramref name="stop"/> fires; the action under way then is finished.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (true)
        {
            var wait = TimeSpan.FromSeconds(5 + (_random.NextDouble() * 10));
            var crash = _random.Next(3) != 0;
            var member = _random.Next(members.MemberCount);
            var downFor = TimeSpan.FromSeconds(2 + (_random.NextDouble() * 3));
            try
            {
                await Task.Delay(wait, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var start = clock.Now;
            await (crash ? members.CrashMemberAsync(member, downFor) : members.RestartMemberAsync(member)).ConfigureAwait(false);
            var end = clock.Now;
            var kind = crash ? NemesisKind.MemberCrash : NemesisKind.MemberRestart;
            _events.Add(new NemesisEvent(kind, member, start, end));
            await log.WriteLineAsync(FormattableString.Invariant(
                $"  [{start,7:0.0}s] {(crash ? "crash" : "graceful restart")} of group member {member} — a new member after {end - start:0.0} s")).ConfigureAwait(false);
        }
    }
}
