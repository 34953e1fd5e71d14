namespace Runnel.Client.Tests.Infrastructure;

/// <summary>
/// A <see cref="TimeProvider"/> over another (usually a ManualTimeProvider) that reports each timer created with a due
/// time in a given range, so a test can wait for "the producer scheduled its retry" as an event and read the delay.
/// </summary>
public sealed class TimerRecordingTimeProvider(TimeProvider inner, TimeSpan minDue, TimeSpan maxDue) : TimeProvider
{
    private readonly TaskCompletionSource<TimeSpan> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _armed;

    /// <summary>Starts watching: the first timer created from now on with a due time in the range completes
    /// <see cref="FirstTimer"/>.</summary>
    public void Arm() => _armed = true;

    /// <summary>The due time of the first timer in range created after <see cref="Arm"/>.</summary>
    public Task<TimeSpan> FirstTimer => _first.Task;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (_armed && dueTime >= minDue && dueTime <= maxDue)
        {
            _first.TrySetResult(dueTime);
        }

        return inner.CreateTimer(callback, state, dueTime, period);
    }
}
