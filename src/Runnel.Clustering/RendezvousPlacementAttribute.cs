using Orleans.Placement;

namespace Runnel.Clustering;

/// <summary>Activates the grain class on its rendezvous owner (<see cref="RendezvousPlacement"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RendezvousPlacementAttribute : PlacementAttribute
{
    public RendezvousPlacementAttribute()
        : base(RendezvousPlacement.Instance)
    {
    }
}
