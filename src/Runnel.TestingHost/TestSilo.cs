using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Runnel.Runtime;
using Runnel.Storage;

namespace Runnel.TestingHost;

/// <summary>
/// One silo of an <see cref="InProcessTestCluster"/>: its host, its store decorators (a fault injector and, in front,
/// a gate), its clock, and what its fatal-error handler was told.
/// </summary>
public sealed class TestSilo
{
    private readonly TaskCompletionSource<string> _fatal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal TestSilo(int index, string name, IHost host, GatedObjectStore gate, FaultInjectingObjectStore faults, TimeProvider time)
    {
        Index = index;
        Name = name;
        Host = host;
        StoreGate = gate;
        StoreFaults = faults;
        Time = time;
        Silo = host.Services.GetRequiredService<RunnelSilo>();
    }

    /// <summary>Which silo of the cluster (0, 1, ... in start order; a restart gets a new index).</summary>
    public int Index { get; }

    public string Name { get; }

    public IHost Host { get; }

    public RunnelSilo Silo { get; }

    /// <summary>Its identity (endpoint and generation).</summary>
    public SiloAddress Address => Silo.Address;

    public IPEndPoint Endpoint => Silo.LocalEndpoint;

    /// <summary>Program store faults for this silo only (<see cref="FaultInjectingObjectStore.FailNext"/>).</summary>
    public FaultInjectingObjectStore StoreFaults { get; }

    /// <summary>Closing it cuts this silo off the store (its calls fail as unavailable).</summary>
    public GatedObjectStore StoreGate { get; }

    public TimeProvider Time { get; }

    public TestSiloState State { get; internal set; }

    /// <summary>The grain factory of code inside this silo (calls routed like a grain's).</summary>
    public IGrainFactory GrainFactory => Host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Completes with the reason when the silo's fatal-error handler is called (it read itself dead).</summary>
    public Task<string> FatalError => _fatal.Task;

    public override string ToString() => $"{Name} ({State})";

    internal void OnFatal(string reason) => _fatal.TrySetResult(reason);
}
