using Microsoft.Extensions.DependencyInjection;
using Runnel.Grains.Internal;
using Runnel.Grains.State;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// The list of consumer groups (<see cref="IConsumerGroupCatalogGrain"/>): the names in its grain state
/// (<see cref="CatalogGrainState"/> in grain storage <c>runnel</c>) whose group exists, i.e. whose log's manifest
/// <c>groups/{group}/manifest</c> does. A group grain adds its name before it creates its log and removes it after
/// deleting the log, so a crash between the two leaves the catalog a name too many, which listing leaves out (the
/// manifest is the truth); never one too few.
/// </summary>
/// <remarks>
/// <para>Listing reads the catalog's state from storage (not this activation's copy), then checks each group's
/// manifest, so every silo answers the same. Cost: one read of the catalog, then one properties read per group (16 at a time).</para>
/// <para>A data directory written before the catalog had state is migrated on activation: the groups whose manifest
/// exists (one listing of <c>groups/</c>) become the catalog.</para>
/// </remarks>
[GrainType(GrainTypeName)]
public sealed class ConsumerGroupCatalogGrain(
    [PersistentState(CatalogGrainState.StateName, GrainsHostingExtensions.GrainStorageName)] IPersistentState<CatalogGrainState> state,
    IObjectStore store)
    : Grain, IConsumerGroupCatalogGrain, ICatalogRegistry
{
    /// <summary>The grain type (Orleans' <c>[GrainType]</c>).</summary>
    public const string GrainTypeName = "runnel.consumer-group-catalog";

    private const string CatalogName = "The consumer group catalog";

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RunnelGrainErrorFilter.ActivateAsync(CatalogMigration.MigrateAsync(
        state,
        async ct =>
        {
            var names = new List<string>();
            await foreach (var blob in store.ListAllAsync(StoragePaths.GroupsPrefix, cancellationToken: ct))
            {
                if (StoragePaths.GroupOfManifest(blob.Name) is { } group)
                {
                    names.Add(group);
                }
            }

            return names;
        },
        cancellationToken));

    public async ValueTask<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        await CatalogMigration.ExistingAsync(await ServiceProvider.GetRequiredService<GrainStateReader>().ReadCatalogAsync(GrainTypeName), ExistsAsync, cancellationToken);

    public Task AddAsync(string name, string incarnation) => CatalogMigration.AddAsync(state, name, incarnation, CatalogName);

    public Task RemoveAsync(string name, string incarnation) =>
        CatalogMigration.RemoveAsync(state, name, incarnation, () => ExistsAsync(name, CancellationToken.None), CatalogName);

    private async Task<bool> ExistsAsync(string group, CancellationToken cancellationToken) =>
        await store.TryGetPropertiesAsync(StoragePaths.GroupManifest(group), cancellationToken) is not null;
}
