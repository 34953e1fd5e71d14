namespace Runnel.Runtime.Transport;

/// <summary>
/// A silo's switch for its network traffic, for fault tests (the in-process test cluster's Pause, Kill and
/// partitions). Open by default and then costs one volatile read per connection attempt. When <see cref="Isolated"/>
/// is set, or a peer is blocked, the silo refuses those connections (incoming at the preamble, outgoing before
/// connecting) and drops the ones it has. Thread-safe.
/// </summary>
internal sealed class NetworkGate
{
    private readonly Lock _gate = new();
    private volatile bool _isolated;
    private volatile HashSet<string> _blockedPeers = [];

    /// <summary>Raised after the gate changed: owners of connections drop the ones no longer allowed.</summary>
    public event Action? Changed;

    /// <summary>True while all traffic (peers and clients) is refused.</summary>
    public bool Isolated
    {
        get => _isolated;
        set
        {
            _isolated = value;
            Changed?.Invoke();
        }
    }

    /// <summary>Refuses traffic to and from <paramref name="peerEndpoint"/> (an <c>address:port</c> of another silo).</summary>
    public void Block(string peerEndpoint)
    {
        lock (_gate)
        {
            _blockedPeers = [.. _blockedPeers, peerEndpoint];
        }

        Changed?.Invoke();
    }

    /// <summary>Allows every peer again (does not lift <see cref="Isolated"/>).</summary>
    public void UnblockAll()
    {
        lock (_gate)
        {
            _blockedPeers = [];
        }

        Changed?.Invoke();
    }

    /// <summary>Whether traffic with a peer is allowed: <paramref name="peerEndpoint"/> is its endpoint when the peer is
    /// a silo, null for a client.</summary>
    public bool Allows(string? peerEndpoint) => !_isolated && (peerEndpoint is null || !_blockedPeers.Contains(peerEndpoint));
}
