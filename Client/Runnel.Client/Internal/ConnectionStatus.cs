namespace Runnel.Client.Internal;

/// <summary>Whether the Orleans client has a gateway connected, and how many gateway connections it has lost, from its
/// connection-status notifications.</summary>
internal sealed class ConnectionStatus : IClusterConnectionStatusObserver
{
    private int _gateways;
    private long _losses;
    private volatile bool _lost;

    public bool IsConnected => !_lost && Volatile.Read(ref _gateways) > 0;

    /// <summary>Gateway connections lost so far: a call in flight through one of them may never be answered.</summary>
    public long Losses => Interlocked.Read(ref _losses);

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
            Interlocked.Increment(ref _losses);
        }

        if (currentNumberOfGateways > 0)
        {
            _lost = false;
        }
    }

    public void NotifyClusterConnectionLost()
    {
        Interlocked.Increment(ref _losses);
        _lost = true;
    }
}
