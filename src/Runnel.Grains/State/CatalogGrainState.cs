namespace Runnel.Grains.State;

/// <summary>
/// The names a catalog grain (<see cref="TopicCatalogGrain"/>, <see cref="ConsumerGroupCatalogGrain"/>) has been told
/// of: Orleans grain state in grain storage <c>runnel</c>, written under the ETag the catalog last read. A name is
/// added before the thing it names is created and removed after it is deleted, so the catalog may list a name too
/// many (a creation that failed, a deletion cut short) but never one too few; listing filters by existence. Public only
/// because the grains' constructors take it.
/// </summary>
[GenerateSerializer]
[Alias("runnel.catalog-state")]
public sealed class CatalogGrainState
{
    /// <summary>The state's name in grain storage.</summary>
    public const string StateName = "catalog";

    /// <summary>Name → incarnation: the id of the creation that added it (topics), or empty when unknown (names
    /// migrated from a data directory written before the catalog had state, consumer groups).</summary>
    [Id(0)]
    public Dictionary<string, string> Entries { get; set; } = new(StringComparer.Ordinal);
}
