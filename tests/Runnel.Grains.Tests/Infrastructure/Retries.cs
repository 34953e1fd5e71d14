namespace Runnel.Grains.Tests.Infrastructure;

/// <summary>What a client does while a cluster fails over: tries a call again after a retriable error (the silo died,
/// the grain is moving, the partition was fenced), with a short back-off, for a bounded time.</summary>
public static class Retries
{
    /// <summary>The call's answer, once it gave one.</summary>
    /// <exception cref="RunnelException">A failure that is not retriable, or the last one when <paramref name="bound"/>
    /// passed.</exception>
    public static async Task<T> UntilAnsweredAsync<T>(Func<Task<T>> call, TimeSpan bound, Action<RunnelException>? failed = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RunnelException ex) when ((ex.IsRetriable || ex.IsOutcomeUnknown) && TimeProvider.System.GetElapsedTime(started) < bound)
            {
                failed?.Invoke(ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 10 * (attempt + 1))));
            }
        }
    }

    public static Task UntilAnsweredAsync(Func<Task> call, TimeSpan bound) =>
        UntilAnsweredAsync(async () =>
        {
            await call();
            return true;
        }, bound);
}
