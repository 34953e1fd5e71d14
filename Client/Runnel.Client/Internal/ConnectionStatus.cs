namespace Runnel.Client.Internal;

/// <summary>Whether the Orleans client has a gateway connected, and how many gateway connections it has lost, from its
/// connection-status notifications.</summary>
internal sealed class ConnectionStatus : IClusterConnectionStatusObserver
{
    private int _gateways;
    private long _losses;
    private volatile bool _lost;
    private TaskCompletionSource _nextLoss = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsConnected => !_lost && Volatile.Read(ref _gateways) > 0;

    /// <summary>Gateway connections lost so far: a call in flight through one of them may never be answered.</summary>
    public long Losses => Interlocked.Read(ref _losses);

    /// <summary>Completes at the next loss of a gateway connection (read it before <see cref="Losses"/>, so that a loss
    /// between the two is not missed). Its continuations run asynchronously, never on the notifying thread.</summary>
    public Task NextLoss => Volatile.Read(ref _nextLoss).Task;

    /// <summary>Called once the client has started (it started only with a gateway connected).</summary>
    public void Connected()
    {
        if (Volatile.Read(ref _gateways) == 0)
        {
            Volatile.Write(ref _gateways, 1);
        }
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
    }

    public void NotifyClusterConnectionLost()
    {
        _lost = true;
        OnLoss();
    }

    private void OnLoss()
    {
        Interlocked.Increment(ref _losses);
        Interlocked.Exchange(ref _nextLoss, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
