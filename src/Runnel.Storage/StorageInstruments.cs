using System.Diagnostics.Metrics;

namespace Runnel.Storage;

/// <summary>
/// The object store's metrics (meter <see cref="MeterName"/>), recorded by <see cref="InstrumentedObjectStore"/>: every
/// call's duration and every failure, tagged with <c>operation</c> (<see cref="StorageOperation"/>, e.g.
/// <c>AppendBlock</c>) and, for failures, <c>error.type</c> (the exception's type name). Thread-safe; recording costs
/// little when no one listens.
/// </summary>
public sealed class StorageInstruments
{
    public const string MeterName = "Runnel.Storage";

    /// <summary>Bucket bounds in seconds for storage-bound latencies: from a local disk's sub-millisecond writes through
    /// Azure's typical 5-50 ms to throttled retries of seconds. (The exporters' default bounds assume milliseconds.)</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public StorageInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Duration = meter.CreateHistogram<double>(
            "runnel.store.duration",
            unit: "s",
            description: "Duration of object store calls, failed ones included (a storage round trip each, for Azure).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        Errors = meter.CreateCounter<long>(
            "runnel.store.errors",
            unit: "{error}",
            description: "Object store calls that threw: expected misses (BlobNotFoundException, PreconditionFailedException) as well as unavailability and throttling.");
    }

    public Histogram<double> Duration { get; }

    public Counter<long> Errors { get; }
}
