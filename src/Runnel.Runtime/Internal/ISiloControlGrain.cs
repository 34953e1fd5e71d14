namespace Runnel.Runtime.Internal;

/// <summary>
/// The silo-to-silo system grain: one per silo, keyed by its <see cref="SiloAddress"/> (a call addressed to another
/// generation is refused, so a probe of a dead identity never reaches its successor at the same endpoint). Every
/// method is read-only: a probe is answered even while the grain serves another one.
/// </summary>
[GrainType("sys.silo")]
internal interface ISiloControlGrain : IGrainWithStringKey
{
    /// <summary>A liveness probe; answers the target's view version.</summary>
    [ReadOnly]
    ValueTask<long> PingAsync(long callerViewVersion, CancellationToken cancellationToken = default);

    /// <summary>Probes <paramref name="target"/> on the caller's behalf (the indirect third probe): true when it
    /// answered within <paramref name="timeout"/>.</summary>
    [ReadOnly]
    ValueTask<bool> ProbeAsync(string target, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>A new membership table, pushed by the silo that wrote it (the blob's bytes); installed when newer.</summary>
    [ReadOnly]
    ValueTask ViewChangedAsync(byte[] table, CancellationToken cancellationToken = default);

    /// <summary>How many application grain activations the silo holds.</summary>
    [ReadOnly]
    ValueTask<int> GetActivationCountAsync(CancellationToken cancellationToken = default);
}
