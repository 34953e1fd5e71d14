using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests.Grains;

/// <summary>
/// Fails its activation while "fail-activate:{key}" is unset in <see cref="LifecycleFaults"/>, and its deactivation
/// when "fail-deactivate:{key}" is set.
/// </summary>
public sealed class LifecycleGrain(LifecycleFaults faults, TestSignals signals) : Grain, ILifecycleGrain
{
    public override ValueTask OnActivateAsync(CancellationToken cancellationToken)
    {
        if (faults.TakeActivationFailure(GrainId.Key))
        {
            throw new InvalidOperationException("store unavailable during activation");
        }

        return default;
    }

    public override ValueTask OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        faults.FailDeactivation(GrainId.Key) ? throw new IOException("could not save state") : default;

    public ValueTask<int> PingAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(1);

    public async ValueTask DeactivateAfterGateAsync(CancellationToken cancellationToken = default)
    {
        DeactivateOnIdle();
        signals.Set("started:" + GrainId.Key);
        await signals.WaitAsync("release:" + GrainId.Key, cancellationToken);
    }
}

/// <summary>Which lifecycle steps fail, per key (a DI singleton).</summary>
public sealed class LifecycleFaults
{
    private readonly HashSet<string> _failActivationOnce = [];
    private readonly HashSet<string> _failDeactivation = [];

    public void FailNextActivation(string key)
    {
        lock (_failActivationOnce)
        {
            _failActivationOnce.Add(key);
        }
    }

    public void FailDeactivations(string key)
    {
        lock (_failDeactivation)
        {
            _failDeactivation.Add(key);
        }
    }

    public bool TakeActivationFailure(string key)
    {
        lock (_failActivationOnce)
        {
            return _failActivationOnce.Remove(key);
        }
    }

    public bool FailDeactivation(string key)
    {
        lock (_failDeactivation)
        {
            return _failDeactivation.Contains(key);
        }
    }
}
