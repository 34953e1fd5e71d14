namespace Runnel.Runtime.Tests.Grains;

public interface IBehaviorGrain : IGrainWithStringKey
{
    ValueTask<Payload> EchoAsync(Payload payload, CancellationToken cancellationToken = default);

    ValueTask<Point[]> MirrorAsync(Point[] points, Dictionary<Color, string?> names, CancellationToken cancellationToken = default);

    ValueTask ThrowRunnelAsync(RunnelErrorCode code, bool retriable, string message, CancellationToken cancellationToken = default);

    ValueTask<int> ThrowPlainAsync(string message, CancellationToken cancellationToken = default);

    /// <summary>Signals "started:{key}", then waits until its token fires and signals "cancelled:{key}".</summary>
    ValueTask WaitForCancelAsync(CancellationToken cancellationToken = default);

    /// <summary>Signals "started:{key}", then waits for the gate "release:{key}".</summary>
    ValueTask<int> BlockAsync(CancellationToken cancellationToken = default);

    /// <summary>Calls another grain from inside this one (a silo-local call).</summary>
    ValueTask<int> AddToCounterAsync(string counterKey, int amount, CancellationToken cancellationToken = default);
}
