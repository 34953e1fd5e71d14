using Runnel.Serialization;

namespace Runnel.Runtime.Management;

/// <summary>One silo's row in a <see cref="ClusterView"/>.</summary>
/// <param name="SiloId">Its <see cref="SiloAddress"/>, <c>endpoint@generation</c>.</param>
/// <param name="Name">Its configured name.</param>
/// <param name="Endpoint">Where it serves grain calls (<c>address:port</c>).</param>
/// <param name="Generation">Its generation at that endpoint (higher = restarted later).</param>
/// <param name="Status">Its status in the view.</param>
/// <param name="StartTime">When it joined, on the store's clock.</param>
/// <param name="ActivationCount">Its application grain activations, or -1 when not asked or not answered.</param>
[GenerateSerializer]
public sealed record SiloView(
    [property: Id(0)] string SiloId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Endpoint,
    [property: Id(3)] long Generation,
    [property: Id(4)] SiloStatus Status,
    [property: Id(5)] DateTimeOffset StartTime,
    [property: Id(6)] int ActivationCount);
