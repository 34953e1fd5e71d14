using System.Diagnostics.Metrics;
using Runnel.Grains;
using Runnel.Silo;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Deploy.Tests;

/// <summary>docs/operations.md names every instrument the silo exports, found by listening to the instruments classes
/// rather than from a list kept in the test.</summary>
public sealed class OperationsDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));

    [Fact]
    public void OperationsDoc_NamesEveryInstrumentOfTheExportedMeters()
    {
        using var meters = new MeterFactory();
        _ = new PartitionInstruments(meters);
        _ = new StorageInstruments(meters);
        _ = new GroupInstruments(meters);
        _ = new ConsumerLagInstruments(meters);
        var instruments = new List<Instrument>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (meters.Created.Contains(instrument.Meter))
                {
                    instruments.Add(instrument);
                }
            };
            listener.Start();
        }

        instruments.Should().HaveCountGreaterThanOrEqualTo(15);
        instruments.Select(i => i.Meter.Name).Distinct().Should().BeSubsetOf(SiloTelemetry.Meters, "the silo exports every meter that has instruments");
        foreach (var instrument in instruments)
        {
            Doc.Should().Contain($"`{instrument.Name}`", "docs/operations.md documents {0}", instrument.Name);
            instrument.Description.Should().NotBeNullOrEmpty();
        }

        Doc.Should().Contain($"`{SiloTelemetry.OrleansMeterName}`", "the Orleans runtime's meter is exported and named");
        Doc.Should().Contain(PartitionInstruments.ActivitySourceName).And.Contain(SiloTelemetry.MetricsPath).And.Contain("OTEL_EXPORTER_OTLP_ENDPOINT");
    }

    private sealed class MeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose() => Created.ForEach(m => m.Dispose());
    }
}
