using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Management;
using Runnel.Runtime.Placement;
using Runnel.Runtime.Routing;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Client;

/// <summary>
/// A client's side of routing: the view it learned from a silo, one connection per silo it called, and the seed
/// connections it learns views through. A seed connection doubles as the connection to the silo that answered on it
/// (so a client that reaches the cluster through a proxy keeps using the proxy for that silo). Thread-safe.
/// </summary>
internal sealed partial class ClientRouter : IRoutingContext, IAsyncDisposable
{
    /// <summary>How long one attempt to read the view from one silo may take (an in-memory answer; a silo that takes
    /// longer may be the hung one, and refreshes share one read, so a long wait here delays learning of its death).</summary>
    private static readonly TimeSpan ViewCallTimeout = TimeSpan.FromSeconds(1);

    private readonly RunnelClientOptions _options;
    private readonly ILogger _logger;
    private readonly ILogger _channelLogger;
    private readonly List<OutboundChannel> _seeds;
    private readonly ConcurrentDictionary<SiloAddress, OutboundChannel> _bySilo = new();
    private readonly Lock _gate = new();
    private volatile PlacementView? _view;
    private volatile ClusterView? _cluster;
    private Task? _refreshing;
    private static readonly IReadOnlySet<OutboundChannel> NoChannels = new HashSet<OutboundChannel>();
    private volatile IReadOnlySet<OutboundChannel> _stalled = NoChannels;
    private volatile bool _disposed;

    public ClientRouter(RunnelClientOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        Time = time;
        _logger = loggerFactory.CreateLogger<RunnelClient>();
        _channelLogger = loggerFactory.CreateLogger<OutboundChannel>();
        _seeds = options.ParseSeeds().Select(CreateChannel).ToList();
        Invoker = new RoutedInvoker(this);
    }

    public TimeProvider Time { get; }

    public PlacementView? View => _view;

    public SiloAddress? LocalSilo => null;

    public int MaxFrameBytes => _options.MaxFrameBytes;

    public TimeSpan ResponseTimeout => _options.ResponseTimeout;

    public RoutedInvoker Invoker { get; }

    /// <summary>The last view learned (null before the first).</summary>
    public ClusterView? Cluster => _cluster;

    public bool IsConnected => _seeds.Concat(_bySilo.Values).Any(c => c.Current is not null);

    /// <summary>Connects to the first seed that answers and reads the view through it.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        RunnelException? last = null;
        foreach (var seed in _seeds)
        {
            try
            {
                await seed.GetSessionAsync(cancellationToken).ConfigureAwait(false);

                // The first call to a silo may be slow (a silo just started, its code not yet compiled, on a loaded
                // machine): connecting waits as long as any call may, not the short limit refreshes use to move on
                // from a hung silo to another.
                if (await TryReadViewAsync(seed, 0, _options.ResponseTimeout, cancellationToken).ConfigureAwait(false))
                {
                    LogConnected(_logger, seed.Endpoint, _view!.Version, _view.ActiveSilos.Count);
                    return;
                }
            }
            catch (RunnelException ex)
            {
                last = ex;
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = new RunnelException(RunnelErrorCode.OutcomeUnknown, $"The silo at {seed.Endpoint} did not answer with its view within {_options.ResponseTimeout}.", ex, isRetriable: true);
            }
        }

        throw last ?? new RunnelException(RunnelErrorCode.ConnectionLost, $"No seed silo answered with a view ({string.Join(", ", _seeds.Select(s => s.Endpoint))}).", isRetriable: true);
    }

    public Task RefreshViewAsync(long atLeastVersion, CancellationToken cancellationToken)
    {
        if (_disposed || (atLeastVersion > 0 && _view?.Version >= atLeastVersion))
        {
            return Task.CompletedTask;
        }

        Task refresh;
        lock (_gate)
        {
            refresh = _refreshing ??= RefreshOnceAsync(atLeastVersion);
        }

        return refresh.WaitAsync(cancellationToken);
    }

    public OutboundChannel GetChannel(SiloAddress silo)
    {
        ObjectDisposedException.ThrowIf(_disposed, typeof(RunnelClient));
        if (_bySilo.TryGetValue(silo, out var known))
        {
            return known;
        }

        var id = silo.ToString();
        var seed = _seeds.FirstOrDefault(s => s.RemoteSilo == id);
        return _bySilo.GetOrAdd(silo, static (s, state) => state.seed ?? state.router.CreateChannel(s.ToIPEndPoint()), (seed, router: this));
    }

    public OutboundChannel? AnyChannel() =>
        _bySilo.Values.Concat(_seeds).FirstOrDefault(c => c.Current is not null) ?? _seeds.FirstOrDefault();

    public ValueTask DispatchLocalAsync(IncomingCall call) =>
        throw new InvalidOperationException("A client has no local catalog.");

    /// <summary>Fails calls past their deadline; when a connection has a call waiting longer than
    /// <see cref="RunnelClientOptions.StalledCallViewRefresh"/>, starts a view refresh that asks the other silos first
    /// (a hung silo is declared Dead by its peers, and installing that view drops its connection).</summary>
    public void Sweep()
    {
        var now = Time.GetUtcNow().UtcTicks;
        var cutoff = now - _options.StalledCallViewRefresh.Ticks;
        HashSet<OutboundChannel>? stalled = null;
        foreach (var channel in _bySilo.Values.Concat(_seeds).Distinct())
        {
            channel.Sweep(now);
            if (channel.HasCallWaitingSince(cutoff))
            {
                (stalled ??= []).Add(channel);
            }
        }

        _stalled = stalled ?? NoChannels;
        if (stalled is not null)
        {
            LogStalledCalls(_logger, string.Join(", ", stalled.Select(c => c.RemoteSilo ?? c.Endpoint.ToString())));
            _ = RefreshViewAsync(0, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var channel in _bySilo.Values.Concat(_seeds).Distinct().ToList())
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private OutboundChannel CreateChannel(IPEndPoint endpoint) => new(
        endpoint,
        new ChannelSettings(
            _options.ClusterId,
            $"{_options.ClientName}/{Environment.ProcessId}",
            FrameFormat.RoleClient,
            _options.MaxFrameBytes,
            _options.SendQueueCapacity,
            _options.ConnectTimeout,
            _options.ReconnectMinBackoff,
            _options.ReconnectMaxBackoff,
            Time,
            null),
        _channelLogger);

    /// <summary>Asks silos for their view (connected ones first, then the live silos of the last view, then the
    /// seeds) until one answers with a version of at least <paramref name="atLeastVersion"/>.</summary>
    private async Task RefreshOnceAsync(long atLeastVersion)
    {
        await Task.Yield();
        try
        {
            var live = _cluster?.Silos.Where(s => s.Status is SiloStatus.Active or SiloStatus.ShuttingDown)
                .Select(s => SiloAddress.TryParse(s.SiloId, out var a) ? GetChannel(a) : null).OfType<OutboundChannel>() ?? [];
            var stalled = _stalled;
            var candidates = _bySilo.Values.Where(c => c.Current is not null)
                .Concat(_seeds.Where(c => c.Current is not null))
                .Concat(live)
                .Concat(_seeds)
                .Distinct()
                .OrderBy(stalled.Contains) // a silo that leaves calls unanswered is asked last (stable order otherwise)
                .ToList();
            foreach (var channel in candidates)
            {
                if (_disposed)
                {
                    return;
                }

                try
                {
                    await channel.GetSessionAsync(CancellationToken.None).ConfigureAwait(false);
                    if (await TryReadViewAsync(channel, atLeastVersion, ViewCallTimeout, CancellationToken.None).ConfigureAwait(false)
                        && (atLeastVersion == 0 || _view?.Version >= atLeastVersion))
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is RunnelException or OperationCanceledException or ObjectDisposedException)
                {
                    LogViewReadFailed(_logger, channel.Endpoint, ex.Message);
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _refreshing = null;
            }
        }
    }

    /// <summary>Reads the view from the silo behind <paramref name="channel"/> (connected) and installs it when newer.</summary>
    private async Task<bool> TryReadViewAsync(OutboundChannel channel, long atLeastVersion, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        if (channel.RemoteSilo is not { } silo || !SiloAddress.TryParse(silo, out var address))
        {
            return false;
        }

        // Keyed by the silo's id: routed over this very channel (GetChannel finds it by its remote id).
        _bySilo.TryAdd(address, channel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(callTimeout);
        var view = await new RoutedInvoker(this, callTimeout).GetGrain<IManagementGrain>(silo).GetMembershipAsync(atLeastVersion, timeout.Token).ConfigureAwait(false);
        Install(view);
        return true;
    }

    private void Install(ClusterView view)
    {
        lock (_gate)
        {
            if (_cluster is { } current && current.Version >= view.Version)
            {
                return;
            }

            _cluster = view;
            _view = new PlacementView(view.Version, view.Silos.Where(s => s.Status == SiloStatus.Active).Select(s => SiloAddress.Parse(s.SiloId)));
        }

        LogViewInstalled(_logger, view.Version, _view.ActiveSilos.Count, view.AnsweredBy);
        foreach (var silo in view.Silos.Where(s => s.Status == SiloStatus.Dead))
        {
            if (SiloAddress.TryParse(silo.SiloId, out var dead) && _bySilo.TryRemove(dead, out var channel))
            {
                if (!_seeds.Contains(channel))
                {
                    _ = channel.DisposeAsync().AsTask();
                }
                else if (channel.RemoteSilo == silo.SiloId)
                {
                    // A seed stays (a new silo may come up at its endpoint), but its connection to the dead silo goes:
                    // a hung silo's open connection would hold its calls until the call timeout.
                    channel.Drop($"silo {silo.SiloId} is Dead in view {view.Version}");
                }
            }
        }
    }
}
