namespace Runnel.Kafka.Protocol;

/// <summary>A topic's entry in a partition-level message: its name and its partitions' structures
/// (<see cref="KafkaWriter.WriteTopicArray{TPartition}"/>).</summary>
internal interface IKafkaTopic<out TPartition>
{
    string Name { get; }

    IReadOnlyList<TPartition> Partitions { get; }
}
