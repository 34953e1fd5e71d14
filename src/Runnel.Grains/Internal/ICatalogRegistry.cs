namespace Runnel.Grains.Internal;

/// <summary>
/// How grains keep a catalog's names (silo-side only; clients list through <see cref="ITopicCatalogGrain"/> and
/// <see cref="IConsumerGroupCatalogGrain"/>). A name is added before the thing it names is created and removed after
/// it is deleted. Each change is a compare-and-swap write of the catalog's grain state.
/// </summary>
[Alias("runnel.catalog-registry")]
internal interface ICatalogRegistry : IGrainWithStringKey
{
    /// <summary>Records <paramref name="name"/> as created by <paramref name="incarnation"/> (empty: unknown). One write
    /// unless the catalog already holds exactly that.</summary>
    [Alias("AddAsync")]
    Task AddAsync(string name, string incarnation);

    /// <summary>Forgets <paramref name="name"/> if the catalog holds it for <paramref name="incarnation"/> (or for an unknown
    /// one) and the thing it names no longer exists: a deletion never removes the name a racing creation just added.</summary>
    [Alias("RemoveAsync")]
    Task RemoveAsync(string name, string incarnation);
}
