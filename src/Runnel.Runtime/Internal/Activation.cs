using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Runnel.Serialization;

namespace Runnel.Runtime.Internal;

/// <summary>
/// One activation of a grain id: its grain instance, its bounded mailbox and the loop that runs the mailbox's
/// items as turns. Only the loop touches the grain; everything else posts to the mailbox.
/// </summary>
/// <remarks>
/// The mailbox is a bounded channel (<see cref="SiloOptions.MailboxCapacity"/>): a sender waits for room, which
/// holds up the connection that carried the call. Deactivation completes the mailbox's writer, so a sender that
/// arrives later learns the activation is gone and goes back to the <see cref="Catalog"/>, which waits for
/// <see cref="Completion"/> before it creates the next activation.
/// <para>Always-interleave calls (<see cref="AlwaysInterleaveAttribute"/>) skip the mailbox once the activation is
/// running: they start on arrival, beside whatever turn is in progress, and are counted so that deactivation can wait
/// for them. Those that arrive while <see cref="Grain.OnActivateAsync"/> runs queue, and start when the loop reads them.
/// Skipping the mailbox also skips its backpressure: such a method must bound its own queue (the partition log does).</para>
/// </remarks>
internal sealed partial class Activation
{
    private readonly Channel<MailboxItem> _mailbox;
    private readonly Catalog _catalog;
    private readonly GrainTypeInfo _type;
    private readonly ILogger _logger;
    private readonly List<GrainTimer> _timers = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Grain? _grain;
    private int _started;
    private int _activeCalls;
    private int _idleRequestPosted;
    private long _lastActiveTicks;
    private volatile bool _deactivationRequested;

    // Always-interleave calls in flight, and whether new ones may start (from activation until deactivation begins).
    private readonly Lock _interleaveGate = new();
    private bool _interleaveOpen;
    private int _interleaved;
    private TaskCompletionSource? _interleavedDrained;

    public Activation(GrainId id, GrainTypeInfo type, Catalog catalog, ILogger logger)
    {
        Id = id;
        _type = type;
        _catalog = catalog;
        _logger = logger;
        _mailbox = Channel.CreateBounded<MailboxItem>(new BoundedChannelOptions(catalog.Options.MailboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _lastActiveTicks = catalog.Time.GetUtcNow().UtcTicks;
    }

    public GrainId Id { get; }

    public IGrainFactory GrainFactory => _catalog.GrainFactory;

    /// <summary>Completes when the activation is gone (deactivated or failed to activate). Never faults.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Set when <see cref="Grain.OnDeactivateAsync"/> threw: calls that waited for this activation fail with it.</summary>
    public RunnelException? DeactivationFailure { get; private set; }

    /// <summary>Starts the loop (once; the catalog calls this for the activation that won the race).</summary>
    public void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = Task.Run(RunAsync);
        }
    }

    /// <summary>Queues an item; true at once when there is room, waits when the mailbox is full, false when the
    /// activation is deactivating or gone (the item was not queued). An always-interleave call to a running activation
    /// is started at once instead (true).</summary>
    public ValueTask<bool> EnqueueAsync(MailboxItem item)
    {
        if (item is IncomingCall { IsAlwaysInterleave: true } call && TryStartInterleaved(call, fromLoop: false))
        {
            return new ValueTask<bool>(true);
        }

        if (_mailbox.Writer.TryWrite(item))
        {
            return new ValueTask<bool>(true);
        }

        return EnqueueSlowAsync(item);
    }

    /// <summary>Asks an idle activation to deactivate (the collector calls this). Cheap; at most one request is queued.</summary>
    public void RequestIdleDeactivation(DateTimeOffset now, TimeSpan age)
    {
        if (Volatile.Read(ref _activeCalls) == 0
            && now.UtcTicks - Volatile.Read(ref _lastActiveTicks) >= age.Ticks
            && Interlocked.Exchange(ref _idleRequestPosted, 1) == 0
            && !_mailbox.Writer.TryWrite(new DeactivationRequest(DeactivationReason.Idle)))
        {
            Volatile.Write(ref _idleRequestPosted, 0);
        }
    }

    /// <summary>Deactivates for shutdown after the items already queued.</summary>
    public void RequestShutdown()
    {
        EnsureStarted();
        _ = EnqueueAsync(new DeactivationRequest(DeactivationReason.Shutdown)).AsTask();
    }

    public void RequestDeactivation()
    {
        _deactivationRequested = true;
        _mailbox.Writer.TryWrite(new DeactivationRequest(DeactivationReason.Requested));
    }

    public IDisposable RegisterTimer(Func<CancellationToken, ValueTask> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new GrainTimer(this, _catalog.Time, callback, dueTime, period);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    public void PostTimerTick(GrainTimer timer)
    {
        var tick = new TimerTick(timer);
        if (!_mailbox.Writer.TryWrite(tick))
        {
            _ = EnqueueSlowAsync(tick).AsTask();
        }
    }

    private async ValueTask<bool> EnqueueSlowAsync(MailboxItem item)
    {
        try
        {
            await _mailbox.Writer.WriteAsync(item).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    private async Task RunAsync()
    {
        try
        {
            if (await ActivateAsync().ConfigureAwait(false))
            {
                lock (_interleaveGate)
                {
                    _interleaveOpen = true;
                }

                var reason = await ProcessAsync().ConfigureAwait(false);
                await DeactivateAsync(reason).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // A bug in the loop itself: never leave callers hanging.
            LogLoopFailed(_logger, Id, ex);
            _mailbox.Writer.TryComplete();
            _ = CloseInterleaving();
            _catalog.Remove(this);
            await FailQueuedAsync(new RunnelException(RunnelErrorCode.ActivationFailed, $"The activation of {Id} failed: {ex.Message}", ex, isRetriable: true)).ConfigureAwait(false);
        }
        finally
        {
            _completion.TrySetResult();
        }
    }

    private async Task<bool> ActivateAsync()
    {
        try
        {
            _grain = _type.Create(_catalog.Services);
            _grain.Attach(this);
            await _grain.OnActivateAsync(_catalog.StoppingToken).ConfigureAwait(false);
            LogActivated(_logger, Id);
            return true;
        }
        catch (Exception ex)
        {
            LogActivationFailed(_logger, Id, ex);
            _mailbox.Writer.TryComplete();
            StopTimers();
            _catalog.Remove(this);
            var error = new RunnelException(
                RunnelErrorCode.ActivationFailed,
                $"Activation of grain {Id} failed: {ex.GetType().FullName}: {ex.Message}",
                ex,
                isRetriable: true);
            await FailQueuedAsync(error).ConfigureAwait(false);
            return false;
        }
    }

    private async Task<DeactivationReason> ProcessAsync()
    {
        var reader = _mailbox.Reader;
        List<Task>? readOnly = null;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (item is IncomingCall { IsAlwaysInterleave: true } free)
                {
                    // Queued while the activation was starting: start it now, beside whatever comes next.
                    TryStartInterleaved(free, fromLoop: true);
                    continue;
                }

                if (item is IncomingCall { IsReadOnly: true } query)
                {
                    // Read-only calls start without waiting for each other; the next exclusive item waits for all.
                    readOnly ??= [];
                    if (readOnly.Count >= 64)
                    {
                        readOnly.RemoveAll(static t => t.IsCompleted);
                    }

                    readOnly.Add(RunCallAsync(query));
                    continue;
                }

                if (readOnly is { Count: > 0 })
                {
                    await Task.WhenAll(readOnly).ConfigureAwait(false);
                    readOnly.Clear();
                }

                switch (item)
                {
                    case IncomingCall call:
                        await RunCallAsync(call).ConfigureAwait(false);
                        break;
                    case TimerTick tick:
                        await RunTickAsync(tick).ConfigureAwait(false);
                        break;
                    case DeactivationRequest request:
                        Volatile.Write(ref _idleRequestPosted, 0);
                        if (request.Reason != DeactivationReason.Idle || IsIdle(reader))
                        {
                            return request.Reason;
                        }

                        break;
                }

                if (_deactivationRequested)
                {
                    return DeactivationReason.Requested;
                }
            }
        }

        return DeactivationReason.Shutdown;
    }

    private bool IsIdle(ChannelReader<MailboxItem> reader) =>
        reader.Count == 0
        && Volatile.Read(ref _activeCalls) == 0
        && _catalog.Time.GetUtcNow().UtcTicks - Volatile.Read(ref _lastActiveTicks) >= _catalog.Options.CollectionAge.Ticks;

    private async Task RunCallAsync(IncomingCall call)
    {
        Interlocked.Increment(ref _activeCalls);
        WireWriter? result = null;
        Exception? failure = null;
        try
        {
            if (call.CancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The caller cancelled the call before it ran.");
            }

            if (call.Deadline < _catalog.Time.GetUtcNow())
            {
                throw new RunnelException(RunnelErrorCode.Rejected, $"The call to {Id} expired in the mailbox before it ran.", isRetriable: true);
            }

            result = call.Responder.BeginResult(call);
            await _type.Descriptor.InvokeAsync(_grain!, call.MethodId, call.Arguments, result, call.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
            result?.Dispose();
            result = null;
            if (ex is RunnelException or OperationCanceledException)
            {
                LogCallFailedExpected(_logger, Id, _type.Descriptor.GetMethodName(call.MethodId), ex.Message);
            }
            else
            {
                LogCallFailed(_logger, Id, _type.Descriptor.GetMethodName(call.MethodId), ex);
            }
        }

        // The call is over before its caller hears of it, so a caller that acts on the response (or moves a test
        // clock) always sees the activation idle since now.
        call.ReleaseArguments();
        Volatile.Write(ref _lastActiveTicks, _catalog.Time.GetUtcNow().UtcTicks);
        Interlocked.Decrement(ref _activeCalls);
        try
        {
            if (result is not null)
            {
                await call.Responder.Complete(call, result).ConfigureAwait(false);
            }
            else
            {
                await call.Responder.Fail(call, failure!).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogRespondFailed(_logger, Id, ex);
        }
    }

    private async Task RunTickAsync(TimerTick tick)
    {
        try
        {
            await tick.Timer.TickAsync(_catalog.StoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogTimerFailed(_logger, Id, ex);
        }
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        _mailbox.Writer.TryComplete();
        StopTimers();
        await CloseInterleaving().ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(_catalog.Options.DeactivationTimeout);
            await _grain!.OnDeactivateAsync(reason, timeout.Token).ConfigureAwait(false);
            LogDeactivated(_logger, Id, reason);
        }
        catch (Exception ex)
        {
            LogDeactivationFailed(_logger, Id, reason, ex);
            DeactivationFailure = new RunnelException(
                RunnelErrorCode.ActivationFailed,
                $"Deactivation of grain {Id} failed: {ex.GetType().FullName}: {ex.Message}",
                ex,
                isRetriable: true);
        }

        _catalog.Remove(this);

        // Calls queued behind the deactivation go to the next activation, or share the deactivation's failure.
        while (_mailbox.Reader.TryRead(out var item))
        {
            if (item is not IncomingCall call)
            {
                continue;
            }

            if (DeactivationFailure is { } failure)
            {
                call.ReleaseArguments();
                await call.Responder.Fail(call, failure).ConfigureAwait(false);
            }
            else
            {
                await _catalog.DispatchAsync(call).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts an always-interleave call on the thread pool, counted in flight. From outside the loop only while
    /// the activation is running (false otherwise: the caller queues it); from the loop, always.</summary>
    private bool TryStartInterleaved(IncomingCall call, bool fromLoop)
    {
        lock (_interleaveGate)
        {
            if (!_interleaveOpen && !fromLoop)
            {
                return false;
            }

            _interleaved++;
        }

        _ = Task.Run(() => RunInterleavedAsync(call));
        return true;
    }

    private async Task RunInterleavedAsync(IncomingCall call)
    {
        try
        {
            await RunCallAsync(call).ConfigureAwait(false);
        }
        finally
        {
            lock (_interleaveGate)
            {
                if (--_interleaved == 0)
                {
                    _interleavedDrained?.TrySetResult();
                }
            }
        }
    }

    /// <summary>Lets no more always-interleave calls start; completes when those in flight have finished.</summary>
    private Task CloseInterleaving()
    {
        int inFlight;
        Task drained;
        lock (_interleaveGate)
        {
            _interleaveOpen = false;
            inFlight = _interleaved;
            if (inFlight == 0)
            {
                return Task.CompletedTask;
            }

            _interleavedDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _interleavedDrained.Task;
        }

        LogWaitingForInterleaved(_logger, Id, inFlight);
        return drained;
    }

    private async Task FailQueuedAsync(RunnelException error)
    {
        while (_mailbox.Reader.TryRead(out var item))
        {
            if (item is IncomingCall call)
            {
                call.ReleaseArguments();
                await call.Responder.Fail(call, error).ConfigureAwait(false);
            }
        }
    }

    private void StopTimers()
    {
        lock (_timers)
        {
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }
}
