using Runnel.Runtime.Membership;

namespace Runnel.Runtime.Internal;

/// <summary>Serves <see cref="ISiloControlGrain"/> from the silo's membership service and catalog.</summary>
internal sealed class SiloControlGrain(MembershipService membership, Catalog catalog) : Grain, ISiloControlGrain
{
    public ValueTask<long> PingAsync(long callerViewVersion, CancellationToken cancellationToken = default)
    {
        var mine = membership.State.Snapshot?.Version ?? 0;
        if (callerViewVersion > mine)
        {
            _ = membership.RefreshAsync(callerViewVersion, CancellationToken.None);
        }

        return ValueTask.FromResult(mine);
    }

    public async ValueTask<bool> ProbeAsync(string target, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await membership.PingAsync(SiloAddress.Parse(target), timeout).ConfigureAwait(false);

    public ValueTask ViewChangedAsync(byte[] table, CancellationToken cancellationToken = default)
    {
        membership.OnViewPushed(table);
        return default;
    }

    public ValueTask<int> GetActivationCountAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(catalog.ActivationCount);
}
