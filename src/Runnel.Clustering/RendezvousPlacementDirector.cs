using Orleans.Runtime.Placement;

namespace Runnel.Clustering;

/// <summary>
/// Picks the silo for a <see cref="RendezvousPlacement"/> grain: a placement hint in the request context (set by grain
/// migration to a chosen silo) if it names a compatible silo, otherwise the rendezvous owner among the compatible
/// silos as this silo currently sees the cluster. Stateless and thread-safe; no I/O.
/// </summary>
public sealed class RendezvousPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silos = context.GetCompatibleSilos(target);
        if (silos.Length == 0)
        {
            throw new SiloUnavailableException($"No compatible silo is active to place {target.GrainIdentity} on.");
        }

        var silo = IPlacementDirector.GetPlacementHint(target.RequestContextData, silos)
            ?? RendezvousHash.PickOwner(target.GrainIdentity, silos);
        return Task.FromResult(silo);
    }
}
