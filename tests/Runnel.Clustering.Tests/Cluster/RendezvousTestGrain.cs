namespace Runnel.Clustering.Tests.Cluster;

[RendezvousPlacement]
public sealed class RendezvousTestGrain(ILocalSiloDetails silo) : Grain, IRendezvousTestGrain
{
    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(silo.SiloAddress);
}
