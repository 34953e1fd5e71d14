namespace Runnel.Client.Internal;

/// <summary>How the client reads errors from grain calls.</summary>
internal static class Errors
{
    /// <summary>
    /// True when a call that failed with <paramref name="error"/> may be sent again: the transport's outcomes
    /// (<see cref="RunnelErrorCode.OutcomeUnknown"/>, <see cref="RunnelErrorCode.ConnectionLost"/>,
    /// <see cref="RunnelErrorCode.Rejected"/>, <see cref="RunnelErrorCode.WrongOwner"/>), a partition changing owner
    /// (<see cref="RunnelErrorCode.NotOwner"/>, <see cref="RunnelErrorCode.LogClosed"/>), storage hiccups, and anything
    /// the server flagged retriable.
    /// </summary>
    public static bool IsRetriable(RunnelException error) => error.IsRetriable || error.Code is
        RunnelErrorCode.OutcomeUnknown or RunnelErrorCode.ConnectionLost or RunnelErrorCode.Rejected or RunnelErrorCode.WrongOwner
        or RunnelErrorCode.NotOwner or RunnelErrorCode.LogClosed or RunnelErrorCode.StorageUnavailable or RunnelErrorCode.StorageThrottled
        or RunnelErrorCode.UnstableOffsetCommit or RunnelErrorCode.ConcurrentTransactions;

    /// <summary>Wraps anything that is not a <see cref="RunnelException"/> (a cancelled call, a bug) so reports carry a code.</summary>
    public static RunnelException From(Exception error) => error switch
    {
        RunnelException runnel => runnel,
        OperationCanceledException => new RunnelException(RunnelErrorCode.OutcomeUnknown, "The call was cancelled after it was sent.", error, isRetriable: true, isOutcomeUnknown: true),
        _ => new RunnelException(RunnelErrorCode.Unknown, error.Message, error),
    };

    /// <summary>Exponential backoff: <paramref name="initial"/> × 2^attempt, capped, with ±20% jitter.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan initial, TimeSpan max)
    {
        var ticks = Math.Min(initial.Ticks * Math.Pow(2, Math.Min(attempt, 30)), max.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
    }
}
