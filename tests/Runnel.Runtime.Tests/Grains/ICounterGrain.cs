namespace Runnel.Runtime.Tests.Grains;

[GrainType("test.counter")]
public interface ICounterGrain : IGrainWithStringKey
{
    ValueTask<int> AddAsync(int amount, CancellationToken cancellationToken = default);

    [ReadOnly]
    ValueTask<int> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Which activation (instance) served the call.</summary>
    ValueTask<Guid> GetActivationIdAsync();
}
