using Microsoft.Extensions.DependencyInjection;
using Runnel.Grains.Internal;
using Runnel.Grains.State;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// The list of topics (<see cref="ITopicCatalogGrain"/>): the names in its grain state (<see cref="CatalogGrainState"/>
/// in grain storage <c>runnel</c>) whose topic exists. A topic grain adds its name before it first writes its own
/// state and removes it after clearing that state, so a crash between the two writes leaves the catalog a name too
/// many, which listing leaves out (the topic's state is the truth); never one too few.
/// </summary>
/// <remarks>
/// <para>Listing reads the catalog's state from storage (not this activation's copy), then each named topic's state,
/// so every silo answers the same. Cost: one read of the catalog, then one per topic (16 at a time).</para>
/// <para>A data directory written before the catalog had state is migrated on activation: the names of the legacy
/// meta blobs (<c>topics/{topic}/meta</c>, one listing of <c>topics/</c>) become the catalog.</para>
/// </remarks>
[GrainType(GrainTypeName)]
public sealed class TopicCatalogGrain(
    [PersistentState(CatalogGrainState.StateName, GrainsHostingExtensions.GrainStorageName)] IPersistentState<CatalogGrainState> state,
    IObjectStore store)
    : Grain, ITopicCatalogGrain, ICatalogRegistry
{
    /// <summary>The grain type (Orleans' <c>[GrainType]</c>).</summary>
    public const string GrainTypeName = "runnel.topic-catalog";

    /// <summary>How many topic states are read at once.</summary>
    private const int ReadParallelism = 16;

    /// <summary>How often a change is re-applied when another activation keeps changing the catalog under it.</summary>
    private const int MaxCasAttempts = 10;

    private GrainStateReader Reader => ServiceProvider.GetRequiredService<GrainStateReader>();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RunnelGrainErrorFilter.ActivateAsync(CatalogMigration.MigrateAsync(
        state,
        async ct =>
        {
            var names = new List<string>();
            await foreach (var blob in store.ListAllAsync(StoragePaths.TopicsPrefix, cancellationToken: ct))
            {
                if (StoragePaths.TopicOfMeta(blob.Name) is { } topic)
                {
                    names.Add(topic);
                }
            }

            return names;
        },
        cancellationToken));

    public async ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        var candidates = (await Reader.ReadCatalogAsync(GrainTypeName)).ToArray();
        var active = new bool[candidates.Length];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, candidates.Length),
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (i, ct) => active[i] = await Reader.ReadTopicAsync(candidates[i], ct) is { IsActive: true });

        return [.. candidates.Where((_, i) => active[i]).Order(StringComparer.Ordinal)];
    }

    public Task AddAsync(string name, string incarnation) => state.UpdateAsync(catalog => CatalogMigration.Add(catalog, name, incarnation), MaxCasAttempts, "The topic catalog");

    public async Task RemoveAsync(string name, string incarnation)
    {
        if (await Reader.ReadTopicAsync(name, CancellationToken.None) is not null)
        {
            return; // created again (or still there): the name stays
        }

        await state.UpdateAsync(
            catalog => catalog.Entries.TryGetValue(name, out var held) && (held == incarnation || held.Length == 0) && catalog.Entries.Remove(name),
            MaxCasAttempts,
            "The topic catalog");
    }
}
