using Orleans.Concurrency;

namespace Runnel.Grains;

/// <summary>The cluster's list of topics, read from the store (so every silo sees the same list). Key: the empty string.</summary>
[Alias("runnel.topic-catalog")]
public interface ITopicCatalogGrain : IGrainWithStringKey
{
    /// <summary>Every topic's name, ordinal order. One store listing.</summary>
    [ReadOnly]
    [Alias("ListTopicsAsync")]
    ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default);
}
