namespace Runnel.Runtime.Membership;

/// <remarks>Probing: the timing is <see cref="FailureDetector"/>'s; this part is its transport (pings over the data
/// connections, indirect probes through another silo's control grain, the vote write).</remarks>
internal sealed partial class MembershipService : IProbeTransport
{
    /// <summary>This silo and its table while it should probe: Active, not leaving, not fatal or killed.</summary>
    private (SiloAddress Self, MembershipTable Table)? ProbingView() =>
        State.IsFatal || State.IsKilled || _leaving || State.Self is not { } self || State.Snapshot is not { } snapshot
            || snapshot.Table.StatusOf(self) != SiloStatus.Active
            ? null
            : (self, snapshot.Table);

    /// <summary>Kills the process of a silo this silo just declared dead, when it runs on this host and
    /// <see cref="MembershipOptions.KillDeadSilosOnSameHost"/> is on (see <see cref="SiloProcessFence"/>).</summary>
    private void FenceByKilling(MembershipEntry? dead)
    {
        if (!_options.KillDeadSilosOnSameHost || dead?.Process is not { } process)
        {
            return;
        }

        var outcome = SiloProcessFence.TryKill(process, SiloProcessIdentity.Current);
        if (outcome == SiloProcessFence.Outcome.Killed)
        {
            LogKilledDeadSilo(_logger, dead.Silo, process.Pid);
        }
        else
        {
            LogNotKilled(_logger, dead.Silo, process.Pid, outcome.ToString());
        }
    }

    Task<bool> IProbeTransport.PingAsync(SiloAddress target, TimeSpan timeout) => PingAsync(target, timeout);

    async Task<bool?> IProbeTransport.ProbeIndirectAsync(SiloAddress via, SiloAddress target, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout * 2, _time);
        try
        {
            return await Control(via).ProbeAsync(target.ToString(), timeout, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            return null;
        }
    }

    async Task IProbeTransport.SuspectAsync(SiloAddress target, IReadOnlyList<SiloAddress> voters)
    {
        if (State.IsFatal || _leaving)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_options.StoreUnreachableTimeout);
        var decision = default(SuspectDecision);
        try
        {
            var written = await UpdateAsync(
                (table, now) =>
                {
                    decision = MembershipRules.Suspect(table, target, voters, now, _options.VotesForDeath, _options.VoteExpiration, _options.DeadRowsToKeep);
                    return decision.Updated;
                },
                timeout.Token).ConfigureAwait(false);
            if (written is not null)
            {
                LogVoted(_logger, target, string.Join(", ", voters), decision.DeclaredDead, decision.Reason, written.Version);
                if (decision.DeclaredDead)
                {
                    FenceByKilling(written.Find(target));
                }
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or ObjectDisposedException)
        {
            LogStoreFailed(_logger, "death vote", ex.Message);
        }
    }
}
