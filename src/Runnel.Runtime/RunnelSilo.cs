using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Internal;
using Runnel.Runtime.Membership;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime;

/// <summary>
/// A silo: a member of a cluster that hosts grain activations and serves grain calls over TCP. Registered by
/// <see cref="RunnelHostingExtensions.AddRunnelSilo"/> as a hosted service; runs its own listener for the raw TCP
/// endpoint (<see cref="SiloListener"/>), so it fits in any generic host (a web host may serve HTTP beside it). A single silo is a cluster of
/// one: the same membership table, on the host's <c>IObjectStore</c> (by default a file store under
/// <see cref="SiloOptions.DataDirectory"/>).
/// </summary>
/// <remarks>
/// <para>Starting: listen, join the cluster's membership table as Joining (a new generation at this endpoint), become
/// Active, then serve. Grains are placed by rendezvous hashing over the Active silos of the view; a call for a grain
/// another silo owns is answered with <see cref="WrongOwnerException"/>.</para>
/// <para>Stopping (the host's StopAsync, e.g. on SIGTERM), bounded by <see cref="SiloOptions.ShutdownTimeout"/>:
/// write ShuttingDown and push the view (callers go to the successors at once, without failure detection),
/// deactivate every activation (<see cref="Grain.OnDeactivateAsync"/> runs), write Dead, say goodbye on every
/// connection (its calls answered, the rest left for the caller to resend), close the listener.</para>
/// </remarks>
public sealed partial class RunnelSilo : IHostedService, IAsyncDisposable
{
    private readonly SiloOptions _options;
    private readonly Catalog _catalog;
    private readonly SiloConnectionHandler _handler;
    private readonly MembershipService _membership;
    private readonly ILogger _logger;
    private SiloListener? _listener;
    private IPEndPoint? _endpoint;
    private int _stopped;

    internal RunnelSilo(
        IOptions<SiloOptions> options,
        Catalog catalog,
        SiloConnectionHandler handler,
        MembershipService membership,
        NetworkGate network,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _catalog = catalog;
        _handler = handler;
        _membership = membership;
        Network = network;
        _logger = loggerFactory.CreateLogger<RunnelSilo>();
    }

    /// <summary>The endpoint the silo listens on (with the real port when <see cref="SiloOptions.Port"/> is 0).</summary>
    /// <exception cref="InvalidOperationException">The silo has not started.</exception>
    public IPEndPoint LocalEndpoint => _endpoint ?? throw new InvalidOperationException("The silo has not started.");

    /// <summary>This silo's identity in the cluster (endpoint and generation).</summary>
    /// <exception cref="InvalidOperationException">The silo has not joined yet.</exception>
    public SiloAddress Address => _membership.State.Self ?? throw new InvalidOperationException("The silo has not joined its cluster yet.");

    /// <summary>This silo's status in its own current view (<see cref="SiloStatus.None"/> before it joined).</summary>
    public SiloStatus Status => _membership.State.Self is { } self ? _membership.State.Snapshot?.Table.StatusOf(self) ?? SiloStatus.None : SiloStatus.None;

    /// <summary>The version of the membership view this silo acts on (0 before it joined).</summary>
    public long ViewVersion => _membership.State.Snapshot?.Version ?? 0;

    /// <summary>The Active silos of this silo's current view.</summary>
    public IReadOnlyList<SiloAddress> ActiveSilos => _membership.State.Placement?.ActiveSilos ?? [];

    /// <summary>Calls grains from code that runs inside this silo but outside any grain (a background service).</summary>
    public IGrainFactory GrainFactory => _catalog.GrainFactory;

    /// <summary>How many application grain activations this silo holds now (diagnostics; system grains excluded).</summary>
    public int ActivationCount => _catalog.ActivationCount;

    /// <summary>The silo's network switch, for fault injection by test clusters.</summary>
    internal NetworkGate Network { get; }

    /// <summary>The accepted connections (for tests of the goodbye).</summary>
    internal SiloConnectionHandler Connections => _handler;

    internal MembershipService Membership => _membership;

    /// <summary>The status of <paramref name="silo"/> in this silo's current view.</summary>
    public SiloStatus StatusOf(SiloAddress silo) => _membership.State.Snapshot?.Table.StatusOf(silo) ?? SiloStatus.None;

    /// <summary>Listens, joins the cluster and becomes Active. Fails when joining does not finish within
    /// <see cref="MembershipOptions.JoinTimeout"/> (store unreachable).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = SiloListener.Start(new IPEndPoint(IPAddress.Parse(_options.ListenAddress), _options.Port), _handler, _logger);
        _catalog.Start();
        _endpoint = _listener.Endpoint;
        await _membership.JoinAsync(_endpoint, cancellationToken).ConfigureAwait(false);
        await _membership.BecomeActiveAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(_logger, _options.SiloName, _options.ClusterId, _endpoint, Address);
    }

    /// <summary>Leaves the cluster gracefully (see the class remarks). Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        LogStopping(_logger, _options.SiloName);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_options.ShutdownTimeout);
        try
        {
            await _membership.BeginShutdownAsync(bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            LogLeaveFailed(_logger, "ShuttingDown", ex.Message);
        }

        await _catalog.StopAsync(bound.Token).ConfigureAwait(false);
        try
        {
            await _membership.LeaveAsync(bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException)
        {
            LogLeaveFailed(_logger, "Dead", ex.Message);
        }

        // Callers learn which of their calls were never read (so they resend them elsewhere) instead of seeing them dropped.
        await _handler.SayGoodbyeAllAsync(bound.Token).ConfigureAwait(false);
        await CloseAsync(cancellationToken).ConfigureAwait(false);
        LogStopped(_logger, _options.SiloName);
    }

    public async ValueTask DisposeAsync()
    {
        _listener?.Dispose();
        await _catalog.Router.DisposeAsync().ConfigureAwait(false);
        await _membership.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Dies as a crashed process would (test clusters): from now on no store write and no call is made or served;
    /// connections drop without a goodbye, the listener closes, no <see cref="Grain.OnDeactivateAsync"/> runs.
    /// </summary>
    internal async Task KillAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _membership.Kill();
        _catalog.Abandon();
        Network.Isolated = true;
        using var now = new CancellationTokenSource();
        await now.CancelAsync().ConfigureAwait(false);
        await CloseAsync(now.Token).ConfigureAwait(false);
    }

    private async Task CloseAsync(CancellationToken cancellationToken)
    {
        _handler.CloseAll();
        await _catalog.Router.DisposeAsync().ConfigureAwait(false);
        if (_listener is not null)
        {
            await _listener.StopAsync().ConfigureAwait(false);
        }
    }
}
