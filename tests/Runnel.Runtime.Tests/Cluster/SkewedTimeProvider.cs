namespace Runnel.Runtime.Tests.Cluster;

/// <summary>The system clock, read <see cref="Skew"/> off (timers and timestamps are the system's): a silo whose
/// wall clock is wrong.</summary>
public sealed class SkewedTimeProvider(TimeSpan skew) : TimeProvider
{
    public TimeSpan Skew { get; } = skew;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Skew;
}
