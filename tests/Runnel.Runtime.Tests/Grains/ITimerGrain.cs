namespace Runnel.Runtime.Tests.Grains;

public interface ITimerGrain : IGrainWithStringKey
{
    ValueTask StartAsync(TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Ticks so far, and the most turns (ticks or calls) that ever ran at once.</summary>
    ValueTask<int[]> GetStatsAsync(CancellationToken cancellationToken = default);
}
