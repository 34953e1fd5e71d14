namespace Runnel.Client;

/// <summary>What <see cref="RunnelConnection.ConnectionStateChanged"/> reports: the connection to the cluster was lost
/// (no gateway reachable; calls fail or wait, and the client keeps trying to reconnect on its own) or is back.</summary>
public sealed class ConnectionStateChangedEventArgs(bool isConnected, int gateways) : EventArgs
{
    /// <summary>True when the connection came back, false when it was lost.</summary>
    public bool IsConnected { get; } = isConnected;

    /// <summary>How many silo gateways are connected now.</summary>
    public int Gateways { get; } = gateways;
}
