using Orleans.Storage;
using Runnel.Grains.State;

namespace Runnel.Grains.Internal;

/// <summary>What the catalog grains share: their first activation on a data directory written before catalogs had
/// state, the change that adds a name, the one that removes it, and listing the names whose entity exists.</summary>
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

    /// <summary>How many entities a listing checks at once.</summary>
    private const int ReadParallelism = 16;

    /// <summary>How often a change is re-applied when another activation keeps changing the catalog under it.</summary>
    private const int MaxCasAttempts = 10;

    /// <summary>The names of <paramref name="candidates"/> for which <paramref name="exists"/> holds
    /// (<see cref="ReadParallelism"/> checks at once), in ordinal order.</summary>
    public static async Task<IReadOnlyList<string>> ExistingAsync(
        IEnumerable<string> candidates, Func<string, CancellationToken, Task<bool>> exists, CancellationToken cancellationToken)
    {
        var names = candidates.ToArray();
        var found = new bool[names.Length];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, names.Length),
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (i, ct) => found[i] = await exists(names[i], ct));

        return [.. names.Where((_, i) => found[i]).Order(StringComparer.Ordinal)];
    }

    /// <summary>Adds <paramref name="name"/> for <paramref name="incarnation"/> to the catalog
    /// (<paramref name="catalogName"/> names it in errors).</summary>
    public static Task AddAsync(IPersistentState<CatalogGrainState> state, string name, string incarnation, string catalogName) =>
        state.UpdateAsync(catalog => Add(catalog, name, incarnation), MaxCasAttempts, catalogName);

    /// <summary>Removes <paramref name="name"/> when it is still held for <paramref name="incarnation"/> (or for an unknown
    /// one, from a migration) and its entity is gone (<paramref name="exists"/> false): created again, or still there,
    /// the name stays.</summary>
    public static async Task RemoveAsync(
        IPersistentState<CatalogGrainState> state, string name, string incarnation, Func<Task<bool>> exists, string catalogName)
    {
        if (await exists())
        {
            return;
        }

        await state.UpdateAsync(
            catalog => catalog.Entries.TryGetValue(name, out var held) && (held == incarnation || held.Length == 0) && catalog.Entries.Remove(name),
            MaxCasAttempts,
            catalogName);
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
