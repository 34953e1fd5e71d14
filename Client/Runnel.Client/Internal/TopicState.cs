using Runnel.Grains;

namespace Runnel.Client.Internal;

/// <summary>A producer's view of one topic: its partition count (from <see cref="ITopicGrain.DescribeAsync"/>), its
/// partitions' queues and the sticky partition for null keys. Guarded by the producer's lock.</summary>
internal sealed class TopicState(string name)
{
    public string Name { get; } = name;

    public PartitionQueue[] Partitions { get; set; } = [];

    public int PartitionCount => Partitions.Length;

    public bool IsLoaded => Partitions.Length > 0;

    public bool IsLoading { get; set; }

    /// <summary>Clock ticks of the last successful describe.</summary>
    public long LoadedAt { get; set; }

    /// <summary>The partition null-keyed records go to, or -1 to pick a new one.</summary>
    public int StickyPartition { get; set; } = -1;
}
