namespace Runnel.Chaos.History;

/// <summary>
/// Everything a run recorded, as the checker sees it: the acknowledgements, the final logs of every partition, what the
/// workload's consumer received, and (with a group consumer) the commits it got acknowledged.
/// </summary>
/// <param name="Acks">Every acknowledged produce.</param>
/// <param name="Logs">Every partition of the topic, read whole after the cluster healed.</param>
/// <param name="Deliveries">What the workload's consumer received while the nemesis ran.</param>
/// <param name="Commits">The group's acknowledged commits, in acknowledgement order; null when the consumer is not a group
/// member (the commit checks are then off).</param>
internal sealed record ChaosHistory(
    IReadOnlyList<Ack> Acks,
    IReadOnlyList<PartitionLogRead> Logs,
    IReadOnlyList<Delivery> Deliveries,
    IReadOnlyList<Commit>? Commits);
