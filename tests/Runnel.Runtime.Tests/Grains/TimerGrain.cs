using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests.Grains;

/// <summary>Each tick signals "tick:{key}:{n}" and then waits for the gate "release:{key}:{n}".</summary>
public sealed class TimerGrain(TestSignals signals) : Grain, ITimerGrain
{
    private int _ticks;
    private int _inside;
    private int _maxInside;

    public ValueTask StartAsync(TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default)
    {
        RegisterTimer(TickAsync, dueTime, period);
        return default;
    }

    public ValueTask<int[]> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        _inside--;
        return ValueTask.FromResult(new[] { _ticks, _maxInside });
    }

    private async ValueTask TickAsync(CancellationToken cancellationToken)
    {
        _maxInside = Math.Max(_maxInside, ++_inside);
        var n = ++_ticks;
        signals.Set($"tick:{GrainId.Key}:{n}");
        await signals.WaitAsync($"release:{GrainId.Key}:{n}", cancellationToken);
        _inside--;
    }
}
