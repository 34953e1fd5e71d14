namespace Runnel.Runtime.Tests.Grains;

public interface IInterleaveGrain : IGrainWithStringKey
{
    /// <summary>An exclusive call: signals "holding:{key}", then waits until an always-interleave call signals
    /// "passed:{key}" — which can only happen if that call runs while this one is in progress.</summary>
    ValueTask HoldUntilPassedAsync(CancellationToken cancellationToken = default);

    /// <summary>Signals "passed:{key}".</summary>
    [AlwaysInterleave]
    ValueTask PassAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until <paramref name="parties"/> always-interleave calls are inside together.</summary>
    [AlwaysInterleave]
    ValueTask<int> MeetAsync(int parties, CancellationToken cancellationToken = default);

    /// <summary>Signals "blocked:{key}", waits for "release:{key}"; returns whether deactivation had begun by then.</summary>
    [AlwaysInterleave]
    ValueTask<bool> BlockAsync(CancellationToken cancellationToken = default);

    /// <summary>Which activation of this key answers: 1 for the first, 2 for the next, ...</summary>
    [AlwaysInterleave]
    ValueTask<int> GetActivationNumberAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks for deactivation after this (exclusive) call.</summary>
    ValueTask DeactivateSoonAsync(CancellationToken cancellationToken = default);
}
