using Runnel.Runtime.Management;
using Runnel.Runtime.Membership;

namespace Runnel.Runtime.Internal;

/// <summary>Serves <see cref="IManagementGrain"/> from the receiving silo's view.</summary>
internal sealed class ManagementGrain(MembershipService membership) : Grain, IManagementGrain
{
    /// <summary>How long the admin view waits for one silo's grain count.</summary>
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(1);

    public async ValueTask<ClusterView> GetMembershipAsync(long minVersion, CancellationToken cancellationToken = default)
    {
        if (minVersion > (membership.State.Snapshot?.Version ?? 0))
        {
            await membership.RefreshAsync(minVersion, cancellationToken).ConfigureAwait(false);
        }

        return ToView(membership.State.Snapshot, static _ => -1);
    }

    public async ValueTask<ClusterView> GetClusterAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = membership.State.Snapshot;
        var live = snapshot?.Table.Members.Where(m => m.IsLive).ToList() ?? [];
        var counts = await Task.WhenAll(live.Select(m => membership.GetActivationCountAsync(m.Silo, CountTimeout))).ConfigureAwait(false);
        var bySilo = live.Select((m, i) => (m.Silo, counts[i])).ToDictionary(p => p.Silo, p => p.Item2);
        return ToView(snapshot, silo => bySilo.GetValueOrDefault(silo, -1));
    }

    private ClusterView ToView(MembershipSnapshot? snapshot, Func<SiloAddress, int> count) => new(
        snapshot?.Version ?? 0,
        snapshot?.Table.Members.Select(m => new SiloView(m.Silo.ToString(), m.Name, m.Silo.Endpoint, m.Silo.Generation, m.Status, m.StartTime, count(m.Silo))).ToList() ?? [],
        membership.State.Self?.ToString() ?? "");
}
