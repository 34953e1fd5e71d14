namespace Runnel.Client.Internal;

/// <summary>Whether the Orleans client has a gateway connected, from its connection-status notifications.</summary>
internal sealed class ConnectionStatus : IClusterConnectionStatusObserver
{
    private int _gateways;
    private volatile bool _lost;

    public bool IsConnected => !_lost && Volatile.Read(ref _gateways) > 0;

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
        if (currentNumberOfGateways > 0)
        {
            _lost = false;
        }
    }

    public void NotifyClusterConnectionLost() => _lost = true;
}
