using System.Globalization;

namespace Runnel.Client;

/// <summary>A position in a partition: an offset, or one of the special values of <see cref="Client.Offset"/>.</summary>
public readonly record struct TopicPartitionOffset(TopicPartition TopicPartition, Offset Offset)
{
    public TopicPartitionOffset(string topic, int partition, Offset offset)
        : this(new TopicPartition(topic, partition), offset)
    {
    }

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TopicPartition}@{Offset}");
}
