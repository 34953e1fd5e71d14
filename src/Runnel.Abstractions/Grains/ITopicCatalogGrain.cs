namespace Runnel.Grains;

/// <summary>The cluster's list of topics, read from the store (so every silo sees the same list). Key: the empty string.</summary>
[GrainType("runnel.topic-catalog")]
public interface ITopicCatalogGrain : IGrainWithStringKey
{
    /// <summary>Every topic's name, ordinal order. One store listing.</summary>
    [ReadOnly]
    ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default);
}
