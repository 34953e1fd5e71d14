using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>Follows <c>runnel.partition.appends_in_flight</c> of one silo (the meter factory in its services) and one
/// partition, and completes a task when it reaches a count: the event that every produce request is queued in the log.</summary>
public sealed class InFlightProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inFlight;

    public InFlightProbe(IServiceProvider silo, string partition, long target)
    {
        var scope = silo.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "runnel.partition.appends_in_flight" && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "partition" && (string?)tag.Value == partition && Interlocked.Add(ref _inFlight, delta) >= target)
                {
                    _reached.TrySetResult();
                }
            }
        });
        _listener.Start();
    }

    public Task Reached => _reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public void Dispose() => _listener.Dispose();
}
