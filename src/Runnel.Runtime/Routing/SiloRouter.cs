using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Membership;
using Runnel.Runtime.Placement;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Routing;

/// <summary>
/// A silo's side of routing: calls made inside the silo (grains calling grains, probes, view pushes) go to the local
/// catalog when this silo owns the grain, else over one connection per peer silo. Connections to silos that leave the
/// view are closed; the network gate's faults drop connections it no longer allows. Thread-safe.
/// </summary>
internal sealed class SiloRouter : IRoutingContext, IAsyncDisposable
{
    /// <summary>How often calls in flight to peers are checked against their deadlines.</summary>
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<SiloAddress, OutboundChannel> _channels = new();
    private readonly SiloOptions _options;
    private readonly SiloState _state;
    private readonly NetworkGate _gate;
    private readonly Func<IncomingCall, ValueTask> _dispatch;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;
    private volatile bool _disposed;

    public SiloRouter(SiloOptions options, SiloState state, NetworkGate gate, TimeProvider time, ILoggerFactory loggerFactory, Func<IncomingCall, ValueTask> dispatch)
    {
        _options = options;
        _state = state;
        _gate = gate;
        _dispatch = dispatch;
        Time = time;
        _logger = loggerFactory.CreateLogger<OutboundChannel>();
        _state.ViewChanged += OnViewChanged;
        _gate.Changed += OnGateChanged;
        _sweeper = time.CreateTimer(static s => ((SiloRouter)s!).Sweep(), this, SweepPeriod, SweepPeriod);
        Invoker = new RoutedInvoker(this);
    }

    public TimeProvider Time { get; }

    /// <summary>Raised when this silo's connection to a peer closed without this silo closing it (a crashed peer's
    /// kernel closes its sockets at once): the failure detector probes that peer right away.</summary>
    public event Action<SiloAddress>? PeerConnectionLost;

    public PlacementView? View => _state.Placement;

    public SiloAddress? LocalSilo => _state.Self;

    public int MaxFrameBytes => _options.MaxFrameBytes;

    public TimeSpan ResponseTimeout => _options.ResponseTimeout;

    /// <summary>Grain references whose calls are routed from this silo.</summary>
    public RoutedInvoker Invoker { get; }

    public Task RefreshViewAsync(long atLeastVersion, CancellationToken cancellationToken) => _state.Refresh(atLeastVersion, cancellationToken);

    public OutboundChannel GetChannel(SiloAddress silo)
    {
        if (_disposed)
        {
            throw new RunnelException(RunnelErrorCode.ConnectionLost, "The silo is stopping: no more calls to peers.", isRetriable: true);
        }

        if (_channels.TryGetValue(silo, out var known))
        {
            return known;
        }

        var created = CreateChannel(silo);
        var channel = _channels.GetOrAdd(silo, created);
        if (!ReferenceEquals(channel, created))
        {
            _ = created.DisposeAsync().AsTask();
        }
        else
        {
            created.Disconnected += _ => PeerConnectionLost?.Invoke(silo);
        }

        return channel;
    }

    public OutboundChannel? AnyChannel() => null;

    public ValueTask DispatchLocalAsync(IncomingCall call) => _dispatch(call);

    /// <summary>Closes the connections made so far (they were opened before this silo had its identity, which the
    /// preamble carries); later calls open new ones.</summary>
    public void ResetChannels()
    {
        foreach (var (silo, channel) in _channels)
        {
            if (_channels.TryRemove(new KeyValuePair<SiloAddress, OutboundChannel>(silo, channel)))
            {
                _ = channel.DisposeAsync().AsTask();
            }
        }
    }

    /// <summary>Closes every peer connection and refuses new ones.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _state.ViewChanged -= OnViewChanged;
        _gate.Changed -= OnGateChanged;
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        foreach (var channel in _channels.Values)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        _channels.Clear();
    }

    private OutboundChannel CreateChannel(SiloAddress silo) => new(
        silo.ToIPEndPoint(),
        new ChannelSettings(
            _options.ClusterId,
            _state.Self?.ToString() ?? _options.SiloName,
            FrameFormat.RoleSilo,
            _options.MaxFrameBytes,
            _options.SendQueueCapacity,
            _options.HandshakeTimeout,
            TimeSpan.FromMilliseconds(50),
            TimeSpan.FromSeconds(1),
            Time,
            _gate),
        _logger);

    private void OnViewChanged(MembershipSnapshot snapshot)
    {
        foreach (var (silo, channel) in _channels)
        {
            if (snapshot.Table.Find(silo) is not { IsLive: true } && _channels.TryRemove(new KeyValuePair<SiloAddress, OutboundChannel>(silo, channel)))
            {
                _ = channel.DisposeAsync().AsTask();
            }
        }
    }

    private void OnGateChanged()
    {
        foreach (var (silo, channel) in _channels)
        {
            if (!_gate.Allows(silo.Endpoint))
            {
                channel.Drop("the network is cut (fault injection)");
            }
        }
    }

    private void Sweep()
    {
        var now = Time.GetUtcNow().UtcTicks;
        foreach (var channel in _channels.Values)
        {
            channel.Sweep(now);
        }
    }
}
