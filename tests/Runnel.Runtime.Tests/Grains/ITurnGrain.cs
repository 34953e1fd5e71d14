namespace Runnel.Runtime.Tests.Grains;

public interface ITurnGrain : IGrainWithStringKey
{
    /// <summary>An exclusive call that records how many calls were inside the grain at once; returns its turn number.</summary>
    ValueTask<int> EnterAsync(CancellationToken cancellationToken = default);

    /// <summary>The most calls ever inside the grain at once.</summary>
    ValueTask<int> GetMaxInsideAsync(CancellationToken cancellationToken = default);

    /// <summary>A read-only call that waits until <paramref name="parties"/> read-only calls are inside together.</summary>
    [ReadOnly]
    ValueTask<int> MeetAsync(int parties, CancellationToken cancellationToken = default);
}
