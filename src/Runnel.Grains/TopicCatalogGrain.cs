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

    private const string CatalogName = "The topic catalog";

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

    public async ValueTask<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        await CatalogMigration.ExistingAsync(
            await Reader.ReadCatalogAsync(GrainTypeName),
            async (topic, ct) => await Reader.ReadTopicAsync(topic, ct) is { IsActive: true },
            cancellationToken);

    public Task AddAsync(string name, string incarnation) => CatalogMigration.AddAsync(state, name, incarnation, CatalogName);

    public Task RemoveAsync(string name, string incarnation) =>
        CatalogMigration.RemoveAsync(state, name, incarnation, async () => await Reader.ReadTopicAsync(name, CancellationToken.None) is not null, CatalogName);
}
