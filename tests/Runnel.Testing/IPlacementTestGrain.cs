namespace Runnel.Testing;

/// <summary>A grain that tells where it runs: for placement, failover and single-activation tests.</summary>
[GrainType("test.placement")]
public interface IPlacementTestGrain : IGrainWithStringKey
{
    /// <summary>The <see cref="Runtime.SiloAddress"/> of the silo running this activation.</summary>
    ValueTask<string> WhereAsync(CancellationToken cancellationToken = default);

    /// <summary>Identifies the activation (a new one per activation).</summary>
    ValueTask<Guid> GetActivationIdAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds to an in-memory counter (lost when the activation goes).</summary>
    ValueTask<int> AddAsync(int amount, CancellationToken cancellationToken = default);

    /// <summary>Calls grain <paramref name="key"/> from inside this grain (routed by placement) and returns where it ran.</summary>
    ValueTask<string> WhereIsAsync(string key, CancellationToken cancellationToken = default);
}
