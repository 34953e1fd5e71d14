using System.Collections.Concurrent;
using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests.Grains;

public sealed class InterleaveGrain(TestSignals signals, InterleaveProbe probe) : Grain, IInterleaveGrain
{
    private readonly TaskCompletionSource _met = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;
    private int _inside;
    private volatile bool _deactivating;
    private int _number;

    public override ValueTask OnActivateAsync(CancellationToken cancellationToken)
    {
        _number = probe.Activations.AddOrUpdate(GrainId.Key, 1, static (_, n) => n + 1);
        return default;
    }

    public ValueTask<int> GetActivationNumberAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_number);

    public async ValueTask HoldUntilPassedAsync(CancellationToken cancellationToken = default)
    {
        signals.Set("holding:" + GrainId.Key);
        await signals.WaitAsync("passed:" + GrainId.Key, cancellationToken);
    }

    public ValueTask PassAsync(CancellationToken cancellationToken = default)
    {
        signals.Set("passed:" + GrainId.Key);
        return default;
    }

    public async ValueTask<int> MeetAsync(int parties, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _arrived) == parties)
        {
            _met.TrySetResult();
        }

        await _met.Task.WaitAsync(TestSignals.HangGuard, cancellationToken);
        return Volatile.Read(ref _arrived);
    }

    public async ValueTask<bool> BlockAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _inside);
        try
        {
            signals.Set("blocked:" + GrainId.Key);
            await signals.WaitAsync("release:" + GrainId.Key, cancellationToken);
            return _deactivating;
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    public ValueTask DeactivateSoonAsync(CancellationToken cancellationToken = default)
    {
        DeactivateOnIdle();
        return default;
    }

    public override ValueTask OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating = true;
        probe.InsideAtDeactivation[GrainId.Key] = Volatile.Read(ref _inside);
        return default;
    }
}

/// <summary>What <see cref="InterleaveGrain"/> saw when it deactivated (a DI singleton).</summary>
public sealed class InterleaveProbe
{
    public ConcurrentDictionary<string, int> InsideAtDeactivation { get; } = new();

    /// <summary>How many activations each key has had.</summary>
    public ConcurrentDictionary<string, int> Activations { get; } = new();
}
