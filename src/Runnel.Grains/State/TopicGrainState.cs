using Runnel.Grains.Internal;

namespace Runnel.Grains.State;

/// <summary>
/// A topic's metadata as <see cref="TopicGrain"/> persists it: Orleans grain state <c>topic</c> in grain storage
/// <c>runnel</c> (<see cref="GrainsHostingExtensions.GrainStorageName"/>), written only under the ETag the grain last
/// read, so of two writers racing (two activations during a directory race, an operator's tool) one wins and the
/// other re-reads. Public only because the grain's constructor takes it; nothing outside the grains should use it.
/// </summary>
/// <remarks><see cref="Config"/> holds the overrides only; defaults are filled in when described. <see cref="WriteId"/>
/// is fresh per write (a writer whose response was lost can tell whether its write landed); <see cref="Incarnation"/>
/// is fixed when the topic is created and names this life of the name in the topic catalog.</remarks>
[GenerateSerializer]
[Alias("runnel.topic-state")]
public sealed class TopicGrainState
{
    /// <summary>The state's name in grain storage.</summary>
    public const string StateName = "topic";

    [Id(0)]
    public int PartitionCount { get; set; }

    [Id(1)]
    public Dictionary<string, string> Config { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>True from the first step of a deletion until the state is cleared at its end.</summary>
    [Id(3)]
    public bool Deleting { get; set; }

    [Id(4)]
    public string WriteId { get; set; } = "";

    [Id(5)]
    public string Incarnation { get; set; } = "";

    internal TopicMetadata ToMetadata(string topic) => new(
        TopicMetadata.CurrentVersion,
        topic,
        PartitionCount,
        new SortedDictionary<string, string>(Config, StringComparer.Ordinal),
        CreatedAt,
        Deleting ? TopicState.Deleting : TopicState.Active,
        WriteId);

    internal static TopicGrainState From(TopicMetadata meta, string incarnation) => new()
    {
        PartitionCount = meta.PartitionCount,
        Config = new Dictionary<string, string>(meta.Config, StringComparer.Ordinal),
        CreatedAt = meta.CreatedAt,
        Deleting = !meta.IsActive,
        WriteId = meta.WriteId,
        Incarnation = incarnation,
    };
}
