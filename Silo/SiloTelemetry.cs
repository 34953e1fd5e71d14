using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Runnel.Grains;
using Runnel.Storage;

namespace Runnel.Silo;

/// <summary>
/// The silo's OpenTelemetry: its meters (partitions, store, the .NET runtime's) scraped as Prometheus text at
/// <see cref="MetricsPath"/> on the HTTP port, and, when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, metrics
/// and the produce/fetch traces pushed over OTLP (the exporter reads the other <c>OTEL_*</c> variables itself). With
/// it unset no trace is recorded at all. docs/operations.md lists the instruments.
/// </summary>
internal static class SiloTelemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>The resource's <c>service.name</c>: the program.</summary>
    public const string ServiceName = "runnel-silo";

    /// <summary>The name of the Orleans runtime's meter (activations, messaging, membership, grain calls).</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>The meters exported: the grains', the store's, the silo's consumer-lag gauges, the Orleans runtime's and
    /// .NET's own (GC, thread pool, exceptions).</summary>
    public static readonly string[] Meters =
        [PartitionInstruments.MeterName, StorageInstruments.MeterName, ConsumerLagInstruments.MeterName, OrleansMeterName, "System.Runtime"];

    /// <summary>Whether OTLP export is on: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set and not empty.</summary>
    public static bool OtlpEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static void AddSiloTelemetry(this IServiceCollection services, IConfiguration configuration, string siloName)
    {
        var otlp = OtlpEnabled(configuration);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceInstanceId: siloName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(PartitionInstruments.ActivitySourceName).AddOtlpExporter());
        }
    }
}
