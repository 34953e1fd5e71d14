namespace Runnel.Client;

/// <summary>How a consumer group spreads partitions over its members (<see cref="ConsumerOptions.Assignor"/>).</summary>
public enum PartitionAssignmentStrategy
{
    /// <summary>As even as possible, and sticky: a rebalance moves the fewest partitions (the default).</summary>
    Uniform = 0,

    /// <summary>Kafka's range: per topic, consecutive partitions to members in member-id order.</summary>
    Range = 1,

    /// <summary>Kafka's round-robin over all subscribed partitions in member-id order.</summary>
    RoundRobin = 2,
}
