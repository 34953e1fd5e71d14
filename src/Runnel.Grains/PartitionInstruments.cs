using System.Diagnostics.Metrics;

namespace Runnel.Grains;

/// <summary>
/// The partition grains' metrics (meter <see cref="MeterName"/>, one per host through its <see cref="IMeterFactory"/>),
/// each tagged with <c>partition</c> (<c>{topic}/{p}</c>). Thread-safe; recording costs nothing when no one listens.
/// </summary>
public sealed class PartitionInstruments
{
    public const string MeterName = "Runnel.Grains";

    public PartitionInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        AppendsInFlight = meter.CreateUpDownCounter<long>(
            "runnel.partition.appends_in_flight",
            unit: "{batch}",
            description: "Produced batches queued in a partition's log and not yet durable (they share the next storage write).");
        ProducedBatches = meter.CreateCounter<long>("runnel.partition.produced_batches", unit: "{batch}", description: "Batches appended (duplicates answered from the producer state excluded).");
        ProducedBytes = meter.CreateCounter<long>("runnel.partition.produced_bytes", unit: "By", description: "Bytes of the batches appended.");
        Duplicates = meter.CreateCounter<long>("runnel.partition.duplicate_batches", unit: "{batch}", description: "Idempotent retries answered with their original offsets.");
    }

    public UpDownCounter<long> AppendsInFlight { get; }

    public Counter<long> ProducedBatches { get; }

    public Counter<long> ProducedBytes { get; }

    public Counter<long> Duplicates { get; }
}
