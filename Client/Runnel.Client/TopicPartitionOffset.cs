using System.Globalization;

namespace Runnel.Client;

/// <summary>A position in a partition: an offset, or one of the special values of <see cref="Offset"/>.</summary>
public readonly record struct TopicPartitionOffset(TopicPartition TopicPartition, long Offset)
{
    public TopicPartitionOffset(string topic, int partition, long offset)
        : this(new TopicPartition(topic, partition), offset)
    {
    }

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TopicPartition}@{Offset}");
}
