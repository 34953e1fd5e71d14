namespace Runnel.Storage;

/// <summary>Seeded random faults and latency for <see cref="FaultInjectingObjectStore"/>.</summary>
public sealed record FaultInjectionOptions
{
    /// <summary>Seed of the random faults and latencies: the same seed and the same sequence of calls give the same
    /// faults (calls racing on several threads draw in the order they reach the decorator). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Fault chances per operation; an operation not listed uses <see cref="Default"/>. The key is a single
    /// <see cref="StorageOperation"/> flag.</summary>
    public IReadOnlyDictionary<StorageOperation, FaultProbabilities> Probabilities { get; init; } = new Dictionary<StorageOperation, FaultProbabilities>();

    /// <summary>Fault chances of operations not in <see cref="Probabilities"/>. Default: none.</summary>
    public FaultProbabilities Default { get; init; } = FaultProbabilities.None;

    /// <summary>Latency added before every call, drawn uniformly from [<see cref="MinLatency"/>, <see cref="MaxLatency"/>]
    /// and waited on the decorator's <see cref="TimeProvider"/>. Default: none.</summary>
    public TimeSpan MinLatency { get; init; }

    public TimeSpan MaxLatency { get; init; }
}
