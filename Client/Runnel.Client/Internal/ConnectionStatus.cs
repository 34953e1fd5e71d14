namespace Runnel.Client.Internal;

/// <summary>Whether the Orleans client has a gateway connected, and how many gateway connections it has lost, from its
/// connection-status notifications; <see cref="Changed"/> says when being connected turns into not, and back.</summary>
internal sealed class ConnectionStatus : IClusterConnectionStatusObserver
{
    private readonly Lock _gate = new();
    private int _gateways;
    private long _losses;
    private volatile bool _lost;
    private bool _started;
    private bool _reported;
    private CancellationTokenSource _nextLoss = new();

    /// <summary>Raised when <see cref="IsConnected"/> changes once the client has started: (connected, gateways now).
    /// Raised one at a time, in order, on the thread of the notification.</summary>
    public event Action<bool, int>? Changed;

    public bool IsConnected => !_lost && Volatile.Read(ref _gateways) > 0;

    /// <summary>Gateways connected now.</summary>
    public int Gateways => Volatile.Read(ref _gateways);

    /// <summary>Gateway connections lost so far: a call in flight through one of them may never be answered.</summary>
    public long Losses => Interlocked.Read(ref _losses);

    /// <summary>Cancelled at the next loss of a gateway connection (read it before <see cref="Losses"/>, so that a loss
    /// between the two is not missed).</summary>
    public CancellationToken LossToken => Volatile.Read(ref _nextLoss).Token;

    /// <summary>Called once the client has started (it started only with a gateway connected).</summary>
    public void Connected()
    {
        lock (_gate)
        {
            if (Volatile.Read(ref _gateways) == 0 && !_lost)
            {
                Volatile.Write(ref _gateways, 1);
            }

            _started = true;
            _reported = IsConnected;
        }

        Publish();
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        Volatile.Write(ref _gateways, currentNumberOfGateways);
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            OnLoss();
        }

        if (currentNumberOfGateways > 0)
        {
            _lost = false;
        }

        Publish();
    }

    public void NotifyClusterConnectionLost()
    {
        Volatile.Write(ref _gateways, 0);
        _lost = true;
        OnLoss();
        Publish();
    }

    /// <summary>Counts a lost gateway connection and wakes the calls waiting on <see cref="LossToken"/>, on the thread
    /// pool: the calls' continuations must not run on the client's notifying thread. The old source is cancelled, never
    /// disposed: a reader may still be registering on its token.</summary>
    private void OnLoss()
    {
        Interlocked.Increment(ref _losses);
        var previous = Interlocked.Exchange(ref _nextLoss, new CancellationTokenSource());
        ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), previous, preferLocal: false);
    }

    /// <summary>Raises <see cref="Changed"/> if being connected differs from what was last reported. Under the lock, so
    /// two notifications racing cannot report their changes out of order.</summary>
    private void Publish()
    {
        lock (_gate)
        {
            var connected = IsConnected;
            if (!_started || connected == _reported)
            {
                return;
            }

            _reported = connected;
            Changed?.Invoke(connected, Gateways);
        }
    }
}
