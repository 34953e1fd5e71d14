using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Runnel.Grains;

/// <summary>
/// The partition grains' metrics (meter <see cref="MeterName"/>, one per host through its <see cref="IMeterFactory"/>)
/// and traces (<see cref="ActivitySource"/>, named <see cref="ActivitySourceName"/>). Counters are tagged with
/// <c>partition</c> (<c>{topic}/{p}</c>); the append-latency histogram with <c>topic</c> only (one histogram per
/// partition would multiply its buckets by thousands). Thread-safe; recording costs nothing when no one listens.
/// docs/operations.md lists every instrument.
/// </summary>
public sealed class PartitionInstruments
{
    public const string MeterName = "Runnel.Grains";

    /// <summary>The name of the source of the silo-side <c>runnel.produce</c> and <c>runnel.fetch</c> spans.</summary>
    public const string ActivitySourceName = "Runnel.Grains";

    /// <summary>Spans for produce and fetch on the partition's silo. Static as the .NET guidance has it: an
    /// <see cref="System.Diagnostics.ActivitySource"/> costs nothing while no listener samples it.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    public PartitionInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        AppendsInFlight = meter.CreateUpDownCounter<long>(
            "runnel.partition.appends_in_flight",
            unit: "{batch}",
            description: "Produced batches queued in a partition's log and not yet durable (they share the next storage write).");
        ProducedBatches = meter.CreateCounter<long>("runnel.partition.produced_batches", unit: "{batch}", description: "Batches appended (duplicates answered from the producer state excluded).");
        ProducedRecords = meter.CreateCounter<long>("runnel.partition.produced_records", unit: "{record}", description: "Records in the batches appended.");
        ProducedBytes = meter.CreateCounter<long>("runnel.partition.produced_bytes", unit: "By", description: "Bytes of the batches appended.");
        Duplicates = meter.CreateCounter<long>("runnel.partition.duplicate_batches", unit: "{batch}", description: "Idempotent retries answered with their original offsets.");
        AppendDuration = meter.CreateHistogram<double>(
            "runnel.partition.append_duration",
            unit: "s",
            description: "From a produced batch queued in the log to durable (its storage write done): group commit's wait plus the write.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Storage.StorageInstruments.LatencyBuckets });
        FetchRequests = meter.CreateCounter<long>("runnel.partition.fetch_requests", unit: "{request}", description: "Fetch requests answered, empty ones included.");
        FetchedBytes = meter.CreateCounter<long>("runnel.partition.fetched_bytes", unit: "By", description: "Bytes of record batches returned by fetches.");
        ActivePartitions = meter.CreateUpDownCounter<long>(
            "runnel.partition.active",
            unit: "{partition}",
            description: "Partitions this silo owns and serves (activated with their log open); untagged, one series per silo.");
        Takeovers = meter.CreateCounter<long>(
            "runnel.partition.takeovers",
            unit: "{takeover}",
            description: "Partition logs opened by this silo, by kind: new (a log's first owner), handover (the previous owner sealed and released it) or failover (the previous owner did not release it: its segment was sealed and its records recovered here).");
    }

    /// <summary>The <c>kind</c> tag of <see cref="Takeovers"/>: a log's first owner.</summary>
    public const string TakeoverNew = "new";

    /// <summary>The <c>kind</c> tag of <see cref="Takeovers"/>: the previous owner handed the log over cleanly.</summary>
    public const string TakeoverHandover = "handover";

    /// <summary>The <c>kind</c> tag of <see cref="Takeovers"/>: the previous owner did not release the log (it died, hung
    /// or lost the store) and this silo fenced it off and recovered its tail.</summary>
    public const string TakeoverFailover = "failover";

    public UpDownCounter<long> AppendsInFlight { get; }

    public Counter<long> ProducedBatches { get; }

    public Counter<long> ProducedRecords { get; }

    public Counter<long> ProducedBytes { get; }

    public Counter<long> Duplicates { get; }

    public Histogram<double> AppendDuration { get; }

    public Counter<long> FetchRequests { get; }

    public Counter<long> FetchedBytes { get; }

    public UpDownCounter<long> ActivePartitions { get; }

    /// <summary>Tagged <c>topic</c> and <c>kind</c> (<see cref="TakeoverNew"/>, <see cref="TakeoverHandover"/>,
    /// <see cref="TakeoverFailover"/>).</summary>
    public Counter<long> Takeovers { get; }
}
