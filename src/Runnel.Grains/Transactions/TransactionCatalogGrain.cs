using Microsoft.Extensions.DependencyInjection;
using Runnel.Grains.Internal;
using Runnel.Grains.State;

namespace Runnel.Grains;

/// <summary>
/// The list of transactional ids (<see cref="ITransactionCatalogGrain"/>): the names in its grain state
/// (<see cref="CatalogGrainState"/> in grain storage <c>runnel</c>) whose coordinator has state. A coordinator adds its
/// id before it first writes its own state, so a crash between the two leaves a name too many, which listing leaves
/// out; never one too few. The silos' <see cref="TransactionSweeper"/> reads the same names.
/// </summary>
/// <remarks>A catalog rather than a listing of the store: grain storage <c>runnel</c> may be Orleans' Azure blob provider
/// (<c>RunnelGrainStorageBackend.AzureBlob</c>), whose blobs the <see cref="Storage.IObjectStore"/> cannot list. Listing
/// reads the catalog, then each id's state (16 at a time), from storage, so every silo answers the same.</remarks>
[GrainType(GrainTypeName)]
public sealed class TransactionCatalogGrain(
    [PersistentState(CatalogGrainState.StateName, GrainsHostingExtensions.GrainStorageName)] IPersistentState<CatalogGrainState> state)
    : Grain, ITransactionCatalogGrain, ICatalogRegistry
{
    /// <summary>The grain type (Orleans' <c>[GrainType]</c>).</summary>
    public const string GrainTypeName = "runnel.transaction-catalog";

    /// <summary>How many coordinator states are read at once.</summary>
    private const int ReadParallelism = 16;

    /// <summary>How often a change is re-applied when another activation keeps changing the catalog under it.</summary>
    private const int MaxCasAttempts = 10;

    private GrainStateReader Reader => ServiceProvider.GetRequiredService<GrainStateReader>();

    public async ValueTask<IReadOnlyList<TransactionDescription>> ListAsync(CancellationToken cancellationToken = default)
    {
        var ids = (await Reader.ReadCatalogAsync(GrainTypeName)).Order(StringComparer.Ordinal).ToArray();
        var found = new TransactionDescription?[ids.Length];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Length),
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (i, _) => found[i] = await Reader.ReadTransactionAsync(ids[i]) is { } s ? TransactionCoordinatorGrain.Describe(ids[i], s) : null);
        return [.. found.OfType<TransactionDescription>()];
    }

    public Task AddAsync(string name, string incarnation) => state.UpdateAsync(catalog => CatalogMigration.Add(catalog, name, incarnation), MaxCasAttempts, "The transaction catalog");

    public async Task RemoveAsync(string name, string incarnation)
    {
        if (await Reader.ReadTransactionAsync(name) is not null)
        {
            return;
        }

        await state.UpdateAsync(catalog => catalog.Entries.Remove(name), MaxCasAttempts, "The transaction catalog");
    }
}
