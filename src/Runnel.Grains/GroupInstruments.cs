using System.Diagnostics.Metrics;

namespace Runnel.Grains;

/// <summary>
/// The consumer-group grains' metrics, on the grains' meter (<see cref="PartitionInstruments.MeterName"/>, one per host
/// through its <see cref="IMeterFactory"/>). Tagged with <c>group</c>: one series per group, not per member or partition.
/// Thread-safe; recording costs nothing when no one listens. docs/operations.md lists every instrument.
/// </summary>
public sealed class GroupInstruments
{
    public GroupInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(PartitionInstruments.MeterName);
        Rebalances = meter.CreateCounter<long>(
            "runnel.group.rebalances",
            unit: "{rebalance}",
            description: "Group epochs started: a member joined, left, was expired or changed its subscription, or a subscribed topic grew, so the assignment is computed anew. Counted on the silo of the group's activation once the change is durable.");
    }

    public Counter<long> Rebalances { get; }
}
