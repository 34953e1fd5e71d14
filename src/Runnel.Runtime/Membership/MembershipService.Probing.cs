namespace Runnel.Runtime.Membership;

internal sealed partial class MembershipService
{
    /// <summary>Every <see cref="MembershipOptions.ProbePeriod"/>: probe each target that has no probe in flight.</summary>
    private void ProbeTick()
    {
        if (State.IsFatal || State.IsKilled || _leaving || State.Self is not { } self || State.Snapshot is not { } snapshot
            || snapshot.Table.StatusOf(self) != SiloStatus.Active)
        {
            return;
        }

        var targets = ProbeTargets(snapshot.Table, self, _options.MaxProbedSilos);
        foreach (var silo in _probes.Keys)
        {
            if (!targets.Contains(silo))
            {
                _probes.TryRemove(silo, out _);
            }
        }

        foreach (var target in targets)
        {
            var state = _probes.GetOrAdd(target, static _ => new ProbeState());
            if (Interlocked.Exchange(ref state.InFlight, 1) == 0)
            {
                _ = ProbeAsync(self, target, state, snapshot.Table);
            }
        }
    }

    /// <summary>
    /// One probe. After <c>MissedProbesLimit - 1</c> consecutive misses the probe goes through another Active silo
    /// (when there is one): if that silo cannot reach the target either, both vote. A failed intermediary proves
    /// nothing, so the probe falls back to a direct one. Reaching the limit writes a vote (see
    /// <see cref="MembershipRules.Suspect"/>); any answer resets the count.
    /// </summary>
    private async Task ProbeAsync(SiloAddress self, SiloAddress target, ProbeState state, MembershipTable table)
    {
        try
        {
            bool answered;
            SiloAddress[] voters = [self];
            var via = state.Misses >= _options.MissedProbesLimit - 1 ? PickIntermediary(table, self, target) : null;
            bool? indirect = via is { } intermediary ? await ProbeIndirectAsync(intermediary, target).ConfigureAwait(false) : null;
            if (indirect is { } confirmed)
            {
                answered = confirmed;
                voters = [self, via!.Value];
            }
            else
            {
                answered = await PingAsync(target, _options.ProbeTimeout).ConfigureAwait(false);
            }

            if (answered)
            {
                state.Misses = 0;
                return;
            }

            state.Misses++;
            LogProbeMissed(_logger, target, state.Misses, via?.ToString() ?? "direct");
            if (state.Misses >= _options.MissedProbesLimit && !State.IsFatal && !_leaving)
            {
                await SuspectAsync(target, voters).ConfigureAwait(false);
            }
        }
        finally
        {
            Volatile.Write(ref state.InFlight, 0);
        }
    }

    private async Task<bool?> ProbeIndirectAsync(SiloAddress via, SiloAddress target)
    {
        using var cts = new CancellationTokenSource(_options.ProbeTimeout * 2, _time);
        try
        {
            return await Control(via).ProbeAsync(target.ToString(), _options.ProbeTimeout, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            return null;
        }
    }

    private SiloAddress? PickIntermediary(MembershipTable table, SiloAddress self, SiloAddress target)
    {
        var candidates = table.Members
            .Where(m => m.Status == SiloStatus.Active && m.Silo != self && m.Silo != target && (!_probes.TryGetValue(m.Silo, out var p) || p.Misses == 0))
            .Select(m => m.Silo)
            .ToList();
        return candidates.Count == 0 ? null : candidates[Random.Shared.Next(candidates.Count)];
    }

    private async Task SuspectAsync(SiloAddress target, SiloAddress[] voters)
    {
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
            }
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or ObjectDisposedException)
        {
            LogStoreFailed(_logger, "death vote", ex.Message);
        }
    }

    /// <summary>Probe bookkeeping for one target.</summary>
    private sealed class ProbeState
    {
        public int InFlight;

        public volatile int Misses;
    }
}
