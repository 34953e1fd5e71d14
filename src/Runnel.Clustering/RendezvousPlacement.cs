
namespace Runnel.Clustering;

/// <summary>
/// Places a grain on its rendezvous owner among the compatible silos (<see cref="RendezvousHash"/>), so that the
/// cluster changing size moves only ~1/N of such grains. Put <see cref="RendezvousPlacementAttribute"/> on the grain
/// class; register the director with <c>AddRendezvousPlacement</c> on every silo.
/// </summary>
/// <remarks>Placement decides where a grain is activated, never who may write its data: correctness rests on the
/// store's conditional writes (a partition's manifest epoch), since Orleans can briefly run two activations of a
/// grain after a failure.</remarks>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class RendezvousPlacement : PlacementStrategy
{
    /// <summary>The one instance the attribute uses (the strategy has no settings).</summary>
    public static RendezvousPlacement Instance { get; } = new();
}
