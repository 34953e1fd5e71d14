namespace Runnel.Runtime.Internal;

/// <summary>
/// A grain timer. When due it queues a <see cref="TimerTick"/> in the activation's mailbox; the tick runs as an
/// exclusive turn, and only after it completes is the timer armed again for one period. So ticks never overlap
/// each other or any call, and the period counts from the end of the previous tick. A timer dies with its
/// activation. Thread-safe.
/// </summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly Activation _activation;
    private readonly Func<CancellationToken, ValueTask> _callback;
    private readonly TimeSpan _period;
    private readonly ITimer _timer;
    private volatile bool _disposed;

    public GrainTimer(Activation activation, TimeProvider time, Func<CancellationToken, ValueTask> callback, TimeSpan dueTime, TimeSpan period)
    {
        _activation = activation;
        _callback = callback;
        _period = period;
        _timer = time.CreateTimer(static state => ((GrainTimer)state!).OnDue(), this, dueTime, Timeout.InfiniteTimeSpan);
    }

    public bool IsDisposed => _disposed;

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
    }

    /// <summary>Runs the callback (inside the activation's turn) and re-arms the timer.</summary>
    public async ValueTask TickAsync(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            await _callback(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!_disposed && _period != Timeout.InfiniteTimeSpan)
            {
                try
                {
                    _timer.Change(_period, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // Disposed while the tick ran.
                }
            }
        }
    }

    private void OnDue()
    {
        if (!_disposed)
        {
            _activation.PostTimerTick(this);
        }
    }
}
