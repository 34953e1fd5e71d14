namespace Runnel.Grains;

/// <summary>A topic as it is: name, partition count, effective config (defaults filled in) and when it was created.</summary>
[GenerateSerializer, Alias("runnel.TopicDescription")]
public sealed record TopicDescription(
    [property: Id(0)] string Name,
    [property: Id(1)] int PartitionCount,
    [property: Id(2)] IReadOnlyDictionary<string, string> Config,
    [property: Id(3)] DateTimeOffset CreatedAt);
