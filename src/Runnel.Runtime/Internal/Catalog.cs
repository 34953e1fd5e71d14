using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Runnel.Runtime.Internal;

/// <summary>
/// The silo's activations by grain id, and the dispatcher that routes each call to its activation (creating it on
/// the first call). Exactly one activation per grain id exists at a time: the dictionary's atomic get-or-add picks
/// one winner among concurrent first calls, and losers are never started. Also runs the idle collector. Thread-safe.
/// </summary>
internal sealed partial class Catalog : IDisposable
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly GrainTypeRegistry _types;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _collector;

    public Catalog(IOptions<SiloOptions> options, GrainTypeRegistry types, IServiceProvider services, TimeProvider time, ILoggerFactory loggerFactory)
    {
        Options = options.Value;
        _types = types;
        Services = services;
        Time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<Catalog>();
        GrainFactory = new SiloGrainFactory(this);
    }

    public SiloOptions Options { get; }

    public IServiceProvider Services { get; }

    public TimeProvider Time { get; }

    /// <summary>Grain references whose calls are dispatched inside this silo.</summary>
    public IGrainFactory GrainFactory { get; }

    /// <summary>Fires when the silo starts stopping.</summary>
    public CancellationToken StoppingToken => _stopping.Token;

    /// <summary>How many activations exist now.</summary>
    public int ActivationCount => _activations.Count;

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

    public void Dispose()
    {
        _collector?.Dispose();
        _stopping.Dispose();
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
