using System.Diagnostics.Metrics;
using FluentAssertions;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>The object store contract through <see cref="InstrumentedObjectStore"/> over the file store: the decorator
/// changes no behaviour.</summary>
public sealed class InstrumentedObjectStoreContractTests : ObjectStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("instrumented-store");
    private readonly InstrumentedObjectStoreTests.MeterFactory _meters = new();

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new InstrumentedObjectStore(new FileObjectStore(_directory.Path), new StorageInstruments(_meters)));

    public void Dispose()
    {
        _meters.Dispose();
        _directory.Dispose();
    }
}

public sealed class InstrumentedObjectStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("instrumented-store");
    private readonly MeterFactory _meters = new();
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];
    private readonly InstrumentedObjectStore _store;

    public InstrumentedObjectStoreTests()
    {
        _store = new InstrumentedObjectStore(new FileObjectStore(_directory.Path), new StorageInstruments(_meters));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StorageInstruments.MeterName && _meters.Created.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.Start();
    }

    [Fact]
    public async Task Put_Succeeds_RecordsItsDurationWithoutError()
    {
        await _store.PutAsync("a/b", new byte[] { 1, 2, 3 });

        var duration = _measurements.Should().ContainSingle().Subject;
        duration.Instrument.Should().Be("runnel.store.duration");
        duration.Value.Should().BeGreaterThanOrEqualTo(0);
        duration.Tags.Should().Equal(new Dictionary<string, object?> { ["operation"] = "Put" });
    }

    [Fact]
    public async Task Get_OfAMissingBlob_CountsAnErrorOfItsTypeAndRethrows()
    {
        var get = async () => await _store.GetAsync("missing");

        await get.Should().ThrowAsync<BlobNotFoundException>();
        _measurements.Select(m => m.Instrument).Should().BeEquivalentTo(["runnel.store.duration", "runnel.store.errors"]);
        _measurements.Should().OnlyContain(m => Equals(m.Tags["operation"], "Get") && Equals(m.Tags["error.type"], nameof(BlobNotFoundException)));
        _measurements.Single(m => m.Instrument == "runnel.store.errors").Value.Should().Be(1);
    }

    [Fact]
    public async Task EveryOperation_IsTaggedWithItsOwnName()
    {
        await _store.CreateAppendBlobAsync("log");
        await _store.AppendBlockAsync("log", new byte[] { 1 });
        await _store.ListAsync("");
        await _store.GetPooledAsync("log", default);
        await _store.SealAsync("log");
        await _store.DeleteAsync("log");

        _measurements.Select(m => m.Tags["operation"]).Should().Equal("CreateAppendBlob", "AppendBlock", "List", "Get", "Seal", "Delete");
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
        _directory.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));
        }
    }

    /// <summary>A meter factory of the test's own, so that its listener sees only this test's meters.</summary>
    internal sealed class MeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (Created)
            {
                Created.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
