namespace Runnel.Chaos.Cluster;

/// <summary>Calls made to a cluster that may still be healing after the nemesis (an owner moving, a log being taken
/// over): what a retry would answer is retried.</summary>
internal static class HealingCluster
{
    /// <summary>Runs <paramref name="call"/> until it answers, retrying retriable errors, a moved owner, a closed log
    /// and an unknown outcome every 200 ms, until <paramref name="cancellationToken"/> (the caller's deadline).</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (RunnelException ex) when (ex.IsRetriable || ex.Code is RunnelErrorCode.NotOwner or RunnelErrorCode.LogClosed or RunnelErrorCode.OutcomeUnknown)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
