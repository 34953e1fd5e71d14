using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Runtime.Membership;
using Runnel.Runtime.Placement;
using Runnel.Runtime.Routing;
using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Internal;

/// <summary>
/// The silo's activations by grain id, and the dispatcher that routes each call to its activation (creating it on
/// the first call). Exactly one activation per grain id exists at a time: the dictionary's atomic get-or-add picks
/// one winner among concurrent first calls, and losers are never started. Also runs the idle collector. Thread-safe.
/// </summary>
/// <remarks>
/// Admission, before any activation is touched: a grain call runs here only when this silo owns the grain under its
/// current view (else <see cref="WrongOwnerException"/> names the owner), the silo is not dead and its store is
/// reachable (else a retriable <see cref="RunnelErrorCode.Rejected"/>). System calls run when addressed to this silo.
/// On every newer view, activations of grains this silo no longer owns are deactivated
/// (<see cref="DeactivationReason.OwnerChanged"/>).
/// </remarks>
internal sealed partial class Catalog : IDisposable
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly GrainTypeRegistry _types;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SiloState _state;
    private ITimer? _collector;

    public Catalog(IOptions<SiloOptions> options, GrainTypeRegistry types, IServiceProvider services, TimeProvider time, ILoggerFactory loggerFactory, SiloState state, NetworkGate gate)
    {
        Options = options.Value;
        _types = types;
        Services = services;
        Time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<Catalog>();
        _state = state;
        Router = new SiloRouter(Options, state, gate, time, loggerFactory, DispatchAsync);
        GrainFactory = Router.Invoker;
        _state.ViewChanged += OnViewChanged;
    }

    /// <summary>Routes calls made inside this silo (grains calling grains, membership's probes and pushes).</summary>
    public SiloRouter Router { get; }

    public SiloOptions Options { get; }

    public IServiceProvider Services { get; }

    public TimeProvider Time { get; }

    /// <summary>Grain references for code inside this silo: calls go to the owner under the current view (this silo's
    /// own catalog when it owns the grain).</summary>
    public IGrainFactory GrainFactory { get; }

    /// <summary>Fires when the silo starts stopping.</summary>
    public CancellationToken StoppingToken => _stopping.Token;

    /// <summary>How many activations of application grains exist now (system grains are not counted). O(n).</summary>
    public int ActivationCount => _activations.Keys.Count(static id => !SystemTargets.IsSystem(id.Type));

    /// <summary>Starts the idle collector: every <see cref="SiloOptions.CollectionQuantum"/>, activations idle for
    /// <see cref="SiloOptions.CollectionAge"/> are asked to deactivate.</summary>
    public void Start() =>
        _collector = Time.CreateTimer(static state => ((Catalog)state!).Collect(), this, Options.CollectionQuantum, Options.CollectionQuantum);

    /// <summary>
    /// Routes a call to its activation's mailbox. Completes at once when the mailbox has room; otherwise waits for
    /// room (backpressure). Calls for unknown grain types or methods, and calls while stopping, are failed here.
    /// </summary>
    public ValueTask DispatchAsync(IncomingCall call)
    {
        if (Admit(call) is { } refusal)
        {
            return RejectAsync(call, refusal);
        }

        if (_stopping.IsCancellationRequested)
        {
            return RejectAsync(call, new RunnelException(RunnelErrorCode.Rejected, "The silo is shutting down.", isRetriable: true));
        }

        if (!_types.TryGet(call.GrainId.Type, out var type))
        {
            return RejectAsync(call, new RunnelException(RunnelErrorCode.ProtocolMismatch, $"This silo hosts no grain type '{call.GrainId.Type}'."));
        }

        if (!type.Descriptor.HasMethod(call.MethodId))
        {
            return RejectAsync(call, new RunnelException(
                RunnelErrorCode.ProtocolMismatch,
                $"Grain type '{call.GrainId.Type}' has no method 0x{call.MethodId:x8}: caller and silo were built from different interface versions."));
        }

        call.IsReadOnly = type.Descriptor.IsReadOnly(call.MethodId);
        call.IsAlwaysInterleave = type.Descriptor.IsAlwaysInterleave(call.MethodId);
        var activation = GetOrCreate(call.GrainId, type);
        var enqueued = activation.EnqueueAsync(call);
        if (enqueued.IsCompletedSuccessfully)
        {
            return enqueued.Result ? default : DispatchSlowAsync(call, type, activation, Task.FromResult(false));
        }

        return DispatchSlowAsync(call, type, activation, enqueued.AsTask());
    }

    /// <summary>Removes an activation that is done (called by the activation itself).</summary>
    public void Remove(Activation activation) =>
        _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));

    /// <summary>Rejects new calls, deactivates every activation and waits for them, up to <see cref="SiloOptions.ShutdownTimeout"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _collector?.Dispose();
        var all = _activations.Values.ToList();
        foreach (var activation in all)
        {
            activation.RequestShutdown();
        }

        try
        {
            await Task.WhenAll(all.Select(a => a.Completion)).WaitAsync(Options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogShutdownTimedOut(_logger, _activations.Count);
        }
    }

    /// <summary>The silo was killed: refuse everything and stop every timer, without deactivating anything (a crash
    /// runs no <see cref="Grain.OnDeactivateAsync"/>).</summary>
    public void Abandon()
    {
        _stopping.Cancel();
        _collector?.Dispose();
        foreach (var activation in _activations.Values)
        {
            activation.Abandon();
        }
    }

    public void Dispose()
    {
        _collector?.Dispose();
        _stopping.Dispose();
    }

    private RunnelException? Admit(IncomingCall call)
    {
        var self = _state.Self;
        if (SystemTargets.IsSystem(call.GrainId.Type))
        {
            return call.GrainId.Key.Length == 0 || (self is { } me && call.GrainId.Key == me.ToString())
                ? null
                : new RunnelException(RunnelErrorCode.Rejected, $"This is silo {self?.ToString() ?? Options.SiloName}, not {call.GrainId.Key}.");
        }

        if (_state.IsFatal || _state.IsKilled)
        {
            return new RunnelException(RunnelErrorCode.Rejected, "This silo is no longer a cluster member and is exiting.", isRetriable: true);
        }

        var snapshot = _state.Snapshot;
        if (self is not { } silo || snapshot is null)
        {
            return new RunnelException(RunnelErrorCode.Rejected, "This silo has not joined the cluster yet.", isRetriable: true);
        }

        var owner = snapshot.Placement.Owner(call.GrainId);
        if (owner != silo)
        {
            return new WrongOwnerException(
                snapshot.Version,
                owner?.ToString(),
                $"Silo {silo} does not own {call.GrainId} in view {snapshot.Version}: {owner?.ToString() ?? "no silo is Active"} does.");
        }

        if (!_state.IsStoreHealthy())
        {
            return new RunnelException(RunnelErrorCode.Rejected, $"Silo {silo} cannot reach the store and stopped acknowledging work.", isRetriable: true);
        }

        return null;
    }

    private void OnViewChanged(MembershipSnapshot snapshot)
    {
        if (_state.Self is not { } self || snapshot.Table.StatusOf(self) != SiloStatus.Active)
        {
            return;
        }

        foreach (var (id, activation) in _activations)
        {
            if (!SystemTargets.IsSystem(id.Type) && snapshot.Placement.Owner(id) != self)
            {
                LogOwnerChanged(_logger, id, snapshot.Version);
                activation.RequestDeactivation(DeactivationReason.OwnerChanged);
            }
        }
    }

    private static ValueTask RejectAsync(IncomingCall call, Exception error)
    {
        call.ReleaseArguments();
        return call.Responder.Fail(call, error);
    }

    private Activation GetOrCreate(GrainId id, GrainTypeInfo type)
    {
        var activation = _activations.GetOrAdd(id, static (key, state) => new Activation(key, state.type, state.catalog, state.logger), (type, catalog: this, logger: _loggerFactory.CreateLogger<Activation>()));
        activation.EnsureStarted();
        return activation;
    }

    private async ValueTask DispatchSlowAsync(IncomingCall call, GrainTypeInfo type, Activation activation, Task<bool> enqueued)
    {
        while (!await enqueued.ConfigureAwait(false))
        {
            // The activation is deactivating (or failed to activate): wait until it is gone, then try a new one.
            await activation.Completion.ConfigureAwait(false);
            Remove(activation);
            if (activation.DeactivationFailure is { } failure)
            {
                await RejectAsync(call, failure).ConfigureAwait(false);
                return;
            }

            if (_stopping.IsCancellationRequested)
            {
                await RejectAsync(call, new RunnelException(RunnelErrorCode.Rejected, "The silo is shutting down.", isRetriable: true)).ConfigureAwait(false);
                return;
            }

            activation = GetOrCreate(call.GrainId, type);
            enqueued = activation.EnqueueAsync(call).AsTask();
        }
    }

    private void Collect()
    {
        var now = Time.GetUtcNow();
        foreach (var activation in _activations.Values)
        {
            activation.RequestIdleDeactivation(now, Options.CollectionAge);
        }
    }
}
