using Runnel.Runtime.Tests.Infrastructure;

namespace Runnel.Runtime.Tests.Grains;

public sealed class BehaviorGrain(TestSignals signals) : Grain, IBehaviorGrain
{
    public ValueTask<Payload> EchoAsync(Payload payload, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(payload with { Count = payload.Count + 1 });

    public ValueTask<Point[]> MirrorAsync(Point[] points, Dictionary<Color, string?> names, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(points.Select(p => new Point { X = -p.X, Y = -p.Y }).Append(new Point { X = names.Count, Y = names.Count(n => n.Value is null) }).ToArray());

    public ValueTask ThrowRunnelAsync(RunnelErrorCode code, bool retriable, string message, CancellationToken cancellationToken = default) =>
        throw new RunnelException(code, message, isRetriable: retriable);

    public ValueTask<int> ThrowPlainAsync(string message, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException(message);

    public async ValueTask WaitForCancelAsync(CancellationToken cancellationToken = default)
    {
        signals.Set("started:" + GrainId.Key);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            signals.Set("cancelled:" + GrainId.Key);
            throw;
        }
    }

    public async ValueTask<int> BlockAsync(CancellationToken cancellationToken = default)
    {
        signals.Set("started:" + GrainId.Key);
        try
        {
            await signals.WaitAsync("release:" + GrainId.Key, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            signals.Set("cancelled:" + GrainId.Key);
            throw;
        }

        return 42;
    }

    public ValueTask<int> AddToCounterAsync(string counterKey, int amount, CancellationToken cancellationToken = default) =>
        GrainFactory.GetGrain<ICounterGrain>(counterKey).AddAsync(amount, cancellationToken);
}
