using Runnel.Grains.Internal;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// The list of topics (<see cref="ITopicCatalogGrain"/>), read from the store on every call so that every silo answers
/// the same. Holds no state.
/// </summary>
/// <remarks>Cost: one listing of every blob under <c>topics/</c> (segments included, 1,000 names per page), then one
/// read of each topic's meta blob to leave out topics being deleted.</remarks>
[GrainType("runnel.topic-catalog")]
public sealed class TopicCatalogGrain(IObjectStore store) : Grain, ITopicCatalogGrain
{
    /// <summary>How many meta blobs are read at once.</summary>
    private const int ReadParallelism = 16;

    public async ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        var candidates = new List<string>();
        await foreach (var blob in store.ListAllAsync(StoragePaths.TopicsPrefix, cancellationToken: cancellationToken))
        {
            if (StoragePaths.TopicOfMeta(blob.Name) is { } topic)
            {
                candidates.Add(topic);
            }
        }

        var active = new bool[candidates.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, candidates.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (meta, _) = await TopicMetadata.ReadAsync(store, candidates[i], ct);
                active[i] = meta is { IsActive: true };
            });

        return [.. candidates.Where((_, i) => active[i]).Order(StringComparer.Ordinal)];
    }
}
