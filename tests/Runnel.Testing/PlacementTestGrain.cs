using Runnel.Runtime;

namespace Runnel.Testing;

/// <summary>Implements <see cref="IPlacementTestGrain"/>; reports its life to the <see cref="ActivationJournal"/>.</summary>
public sealed class PlacementTestGrain(RunnelSilo silo, ActivationJournal journal) : Grain, IPlacementTestGrain
{
    private readonly Guid _activationId = Guid.NewGuid();
    private int _value;

    public override ValueTask OnActivateAsync(CancellationToken cancellationToken)
    {
        journal.Activated(GrainId.Key, silo.Address.ToString());
        return default;
    }

    public override ValueTask OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        journal.Deactivated(GrainId.Key, silo.Address.ToString(), reason.ToString());
        return default;
    }

    public ValueTask<string> WhereAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(silo.Address.ToString());

    public ValueTask<Guid> GetActivationIdAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_activationId);

    public ValueTask<int> AddAsync(int amount, CancellationToken cancellationToken = default)
    {
        _value += amount;
        return ValueTask.FromResult(_value);
    }

    public ValueTask<string> WhereIsAsync(string key, CancellationToken cancellationToken = default) =>
        GrainFactory.GetGrain<IPlacementTestGrain>(key).WhereAsync(cancellationToken);
}
