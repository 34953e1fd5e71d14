using Orleans.Storage;
using Runnel.Grains.State;

namespace Runnel.Grains.Internal;

/// <summary>What the two catalog grains share: their first activation on a data directory written before catalogs
/// had state, and the change that adds a name.</summary>
internal static class CatalogMigration
{
    /// <summary>
    /// When the catalog has no state yet, writes one holding <paramref name="legacyNames"/> (what the legacy layout
    /// lists; incarnations unknown), even if empty, so the listing runs once. If another activation wrote first, its
    /// state is read instead.
    /// </summary>
    public static async Task MigrateAsync(
        IPersistentState<CatalogGrainState> state,
        Func<CancellationToken, Task<List<string>>> legacyNames,
        CancellationToken cancellationToken)
    {
        if (state.RecordExists)
        {
            return;
        }

        foreach (var name in await legacyNames(cancellationToken))
        {
            state.State.Entries.TryAdd(name, "");
        }

        try
        {
            await state.WriteAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadAsync();
        }
    }

    /// <summary>Holds <paramref name="name"/> for <paramref name="incarnation"/>; false (nothing to write) when it already is.</summary>
    public static bool Add(CatalogGrainState catalog, string name, string incarnation)
    {
        if (catalog.Entries.TryGetValue(name, out var held) && held == incarnation)
        {
            return false;
        }

        catalog.Entries[name] = incarnation;
        return true;
    }
}
