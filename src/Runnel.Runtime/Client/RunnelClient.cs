using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Invocation;
using Runnel.Runtime.Management;

namespace Runnel.Runtime.Client;

/// <summary>
/// A client of a Runnel cluster. It learns the membership view from a seed silo
/// (<see cref="RunnelClientOptions.Endpoint"/>, then <see cref="RunnelClientOptions.Seeds"/>), computes each grain's
/// owner itself (the same rendezvous placement the silos use) and calls the owner directly, one connection per silo;
/// many concurrent calls share a connection. It follows view changes (a <see cref="RunnelErrorCode.WrongOwner"/>
/// answer, an unreachable owner, and a periodic refresh) and survives the loss of any silo, the seed included.
/// </summary>
/// <remarks>
/// <para>Failures: when a connection drops, its calls in flight fail at once (<see cref="RunnelErrorCode.OutcomeUnknown"/>
/// if sent, <see cref="RunnelErrorCode.ConnectionLost"/> if not). A call that could not be sent is retried, at the new
/// owner once the cluster has one, until <see cref="RunnelClientOptions.ResponseTimeout"/>; a call that was sent is
/// never resent.</para>
/// <para>Thread-safe. <see cref="GetGrain{TGrainInterface}"/> is cheap and may be called before
/// <see cref="ConnectAsync"/>. Results are deserialized into fresh buffers: <see cref="ReadOnlyMemory{T}"/> results may
/// be kept.</para>
/// </remarks>
/// <example><code>
/// await using var client = new RunnelClient(RunnelClientOptions.Default with { Endpoint = "127.0.0.1:11111" });
/// await client.ConnectAsync();
/// var total = await client.GetGrain&lt;ICounterGrain&gt;("a").AddAsync(1, ct);
/// </code></example>
public sealed class RunnelClient : IGrainFactory, IAsyncDisposable
{
    private readonly ClientRouter _router;
    private readonly CancellationTokenSource _disposed = new();
    private readonly ITimer _sweeper;
    private readonly ITimer _refresher;

    /// <summary>The longest time between two sweeps of the calls in flight.</summary>
    private static readonly TimeSpan MaxSweepPeriod = TimeSpan.FromMilliseconds(250);

    /// <exception cref="ArgumentException">An option is not valid; the message names it.</exception>
    public RunnelClient(RunnelClientOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var time = timeProvider ?? TimeProvider.System;
        _router = new ClientRouter(options, time, loggerFactory ?? NullLoggerFactory.Instance);
        // At most 250 ms apart: a sweep is also when a call stalled on a hung silo makes the client re-read the view, so
        // its period bounds how late the client learns that the silo was declared dead.
        var sweep = TimeSpan.FromTicks(Math.Clamp(options.ResponseTimeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 10, MaxSweepPeriod.Ticks));
        _sweeper = time.CreateTimer(static state => ((ClientRouter)state!).Sweep(), _router, sweep, sweep);
        _refresher = time.CreateTimer(static state => _ = ((ClientRouter)state!).RefreshViewAsync(0, CancellationToken.None), _router, options.ViewRefreshPeriod, options.ViewRefreshPeriod);
    }

    public RunnelClientOptions Options { get; }

    /// <summary>True while at least one connection to a silo is established.</summary>
    public bool IsConnected => _router.IsConnected;

    /// <summary>The version of the membership view the client routes by (0 before <see cref="ConnectAsync"/>).</summary>
    public long ViewVersion => _router.View?.Version ?? 0;

    /// <summary>
    /// Connects to the first seed that answers (TCP, then the preamble) and reads the cluster's view through it.
    /// Call once before the first grain call; later losses (of any silo, the seed included) are repaired as calls need.
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.ConnectionLost"/> when no seed can be reached in
    /// <see cref="RunnelClientOptions.ConnectTimeout"/>; <see cref="RunnelErrorCode.ProtocolMismatch"/> when a silo
    /// rejects the preamble (another cluster id or protocol version) or is not a Runnel silo.</exception>
    public Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return _router.View is not null && _router.IsConnected ? Task.CompletedTask : _router.ConnectAsync(cancellationToken);
    }

    /// <inheritdoc />
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey => _router.Invoker.GetGrain<TGrainInterface>(key);

    /// <summary>
    /// The silo this client routes calls for the grain to under its current view (rendezvous placement over the Active
    /// silos), or null before <see cref="ConnectAsync"/> or while no silo is Active. No call is made; a view change
    /// moves the answer.
    /// </summary>
    public SiloAddress? GetOwner<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey =>
        _router.View?.Owner(new GrainId(GrainInterfaceRegistry.Get<TGrainInterface>().GrainType, key));

    /// <summary>
    /// The cluster as operators see it: every silo with its status, generation, endpoint and grain count, as the
    /// silo that answers sees it (one call to that silo, which asks every live silo for its count).
    /// </summary>
    public async Task<ClusterView> GetClusterAsync(CancellationToken cancellationToken = default) =>
        await GetGrain<IManagementGrain>("").GetClusterAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Closes every connection; calls in flight fail (see the class remarks) and later calls throw.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await _refresher.DisposeAsync().ConfigureAwait(false);
        await _router.DisposeAsync().ConfigureAwait(false);
    }
}
