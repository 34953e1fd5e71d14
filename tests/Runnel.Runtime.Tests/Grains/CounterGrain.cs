using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests.Grains;

/// <summary>Loads its count on activation and saves it on deactivation, through an injected store.</summary>
public sealed class CounterGrain(FakeStateStore store) : Grain, ICounterGrain
{
    private readonly Guid _activationId = Guid.NewGuid();
    private int _value;

    public override ValueTask OnActivateAsync(CancellationToken cancellationToken)
    {
        store.RecordActivation(GrainId.Key);
        _value = store.Load(GrainId.Key);
        return default;
    }

    public override ValueTask OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        store.Save(GrainId.Key, _value);
        return default;
    }

    public ValueTask<int> AddAsync(int amount, CancellationToken cancellationToken = default)
    {
        _value += amount;
        return ValueTask.FromResult(_value);
    }

    public ValueTask<int> GetAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_value);

    public ValueTask<Guid> GetActivationIdAsync() => ValueTask.FromResult(_activationId);
}
