using System.Globalization;

namespace Runnel.Client;

/// <summary>A partition of a topic: <c>orders[3]</c>.</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <summary>The partition grain's key, <c>{topic}/{partition}</c>.</summary>
    internal string GrainKey => Grains.PartitionKey.Format(Topic, Partition);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Topic}[{Partition}]");
}
