using Runnel.Runtime.Internal;

namespace Runnel.Runtime;

/// <summary>
/// The base class of grain implementations. A grain class implements one grain interface, derives from this class,
/// takes its dependencies through its constructor (from the silo host's services) and is registered with
/// <see cref="ISiloBuilder.AddGrain{TInterface, TGrain}"/>.
/// </summary>
/// <remarks>
/// <para>Lifecycle: an activation is created by the first call to its grain id, runs <see cref="OnActivateAsync"/>
/// before any call, and is deactivated when idle for <see cref="SiloOptions.CollectionAge"/>, when it calls
/// <see cref="DeactivateOnIdle"/>, or when the silo stops; <see cref="OnDeactivateAsync"/> runs after the last call.
/// At most one activation of a grain id exists on a silo at a time, and a new one starts only after the previous
/// one's <see cref="OnDeactivateAsync"/> has finished (so state saved there is seen by the next activation).</para>
/// <para>Concurrency: one turn at a time. A call runs to completion (across its awaits) before the next call or
/// timer tick starts; only methods marked <see cref="ReadOnlyAttribute"/> may run at the same time as each other, and
/// methods marked <see cref="AlwaysInterleaveAttribute"/> at the same time as anything (those must lock what they
/// share). Grain code otherwise needs no locks for its own state. A grain that calls itself, or calls a grain that calls
/// it back, waits for itself forever: calls are not reentrant.</para>
/// </remarks>
public abstract class Grain
{
    private Activation? _activation;

    /// <summary>This grain's id. Available from <see cref="OnActivateAsync"/> on (not in the constructor).</summary>
    public GrainId GrainId => Activation.Id;

    /// <summary>A factory for references to other grains; calls through it go through their mailboxes like any call.</summary>
    protected IGrainFactory GrainFactory => Activation.GrainFactory;

    private Activation Activation => _activation
        ?? throw new InvalidOperationException("The grain is not attached to an activation yet: runtime members are available from OnActivateAsync on, not in the constructor.");

    /// <summary>
    /// Runs once, before the activation's first call, as its own turn. An exception (or cancellation) fails the
    /// activation: the waiting calls fail with <see cref="RunnelErrorCode.ActivationFailed"/> and the next call
    /// starts a new activation. <paramref name="cancellationToken"/> fires when the silo stops.
    /// </summary>
    public virtual ValueTask OnActivateAsync(CancellationToken cancellationToken) => default;

    /// <summary>
    /// Runs once, after the activation's last turn (timers are already stopped). An exception is logged and fails
    /// the calls that were waiting for this activation to finish, with <see cref="RunnelErrorCode.ActivationFailed"/>.
    /// <paramref name="cancellationToken"/> fires when the silo's shutdown timeout passes.
    /// </summary>
    public virtual ValueTask OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => default;

    /// <summary>
    /// Starts a timer whose ticks are delivered through the mailbox as turns: a tick never overlaps a call or
    /// another tick, and the next tick is due <paramref name="period"/> after the previous one <em>completed</em>
    /// (<see cref="Timeout.InfiniteTimeSpan"/> for a one-shot timer). Ticks do not keep the grain active. An
    /// exception from <paramref name="callback"/> is logged and the timer keeps going. The timer stops when the
    /// returned object is disposed or the activation deactivates. Times are measured by the silo's
    /// <see cref="TimeProvider"/>.
    /// </summary>
    protected IDisposable RegisterTimer(Func<CancellationToken, ValueTask> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        if (period != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        }

        return Activation.RegisterTimer(callback, dueTime, period);
    }

    /// <summary>Deactivates this activation when the current turn ends. Calls queued behind it go to a new activation.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation();

    internal void Attach(Activation activation) => _activation = activation;
}
