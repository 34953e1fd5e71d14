namespace Runnel.Clustering.Tests.Cluster;

/// <summary>A grain that says where it runs. (Orleans' interface is spelled in full: Runnel.Abstractions, referenced
/// through Runnel.Storage, has a Runnel.IGrainWithStringKey that would win the name lookup.)</summary>
public interface IRendezvousTestGrain : global::Orleans.IGrainWithStringKey
{
    Task<SiloAddress> GetSiloAsync();
}
