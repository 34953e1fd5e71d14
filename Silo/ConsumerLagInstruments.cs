using System.Diagnostics.Metrics;
using Runnel.Silo.Dashboard;

namespace Runnel.Silo;

/// <summary>
/// Consumer-group gauges (meter <see cref="MeterName"/>), observed from the last sample <see cref="ConsumerLagSampler"/>
/// published: <c>runnel.group.lag</c> per group and topic, <c>runnel.group.members</c> per group. Only the reporting silo
/// publishes (the oldest active one), so a cluster exports each group once; the others report nothing. Thread-safe: a
/// sample is replaced whole. docs/operations.md lists every instrument.
/// </summary>
internal sealed class ConsumerLagInstruments
{
    public const string MeterName = "Runnel.Silo";

    private volatile IReadOnlyList<GroupView> _groups = [];

    public ConsumerLagInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(
            "runnel.group.lag",
            ObserveLag,
            unit: "{record}",
            description: "Records a consumer group has yet to consume: high watermarks minus its committed offsets, summed over a topic's partitions it committed; tagged group and topic. Sampled every Runnel:LagSampleInterval by the oldest active silo only.");
        meter.CreateObservableGauge(
            "runnel.group.members",
            ObserveMembers,
            unit: "{member}",
            description: "Members of a consumer group; tagged group. Sampled with runnel.group.lag, by the oldest active silo only.");
    }

    /// <summary>Replaces the sample the gauges report (an empty list: this silo reports nothing).</summary>
    public void Publish(IReadOnlyList<GroupView> groups) => _groups = groups;

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var group in _groups)
        {
            foreach (var topic in group.Topics)
            {
                if (topic.Lag is { } lag)
                {
                    yield return new Measurement<long>(lag, new KeyValuePair<string, object?>("group", group.Id), new KeyValuePair<string, object?>("topic", topic.Topic));
                }
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveMembers() =>
        _groups.Where(g => g.Error is null).Select(g => new Measurement<long>(g.Members.Count, new KeyValuePair<string, object?>("group", g.Id)));
}
