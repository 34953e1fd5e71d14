namespace Runnel.Client;

/// <summary>A topic as <see cref="IAdminClient"/> describes it.</summary>
/// <param name="Name">The topic's name.</param>
/// <param name="PartitionCount">Its partitions, numbered 0 to <c>PartitionCount - 1</c>.</param>
/// <param name="Config">The effective config: overrides, with every other key at its default.</param>
/// <param name="CreatedAt">When the topic was created.</param>
public sealed record TopicDescription(string Name, int PartitionCount, IReadOnlyDictionary<string, string> Config, DateTimeOffset CreatedAt);
