using Runnel.Serialization;

namespace Runnel.Runtime.Management;

/// <summary>One version of the membership table, as a silo sees it.</summary>
/// <param name="Version">The table's version: one version names one content everywhere.</param>
/// <param name="Silos">Every row, Dead ones included (the newest few), in join order.</param>
/// <param name="AnsweredBy">The silo that answered (a <see cref="SiloAddress"/> string).</param>
[GenerateSerializer]
public sealed record ClusterView(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<SiloView> Silos,
    [property: Id(2)] string AnsweredBy);
