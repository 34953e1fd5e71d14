using Orleans.Concurrency;

namespace Runnel.Grains;

/// <summary>The cluster's list of topics, read from storage on every call (so every silo sees the same list). Key:
/// <see cref="RunnelCluster.SingletonKey"/>.</summary>
[Alias("runnel.topic-catalog")]
public interface ITopicCatalogGrain : IGrainWithStringKey
{
    /// <summary>Every topic's name, ordinal order. One read of the catalog's state, then one per topic.</summary>
    [ReadOnly]
    [Alias("ListTopicsAsync")]
    ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default);
}
