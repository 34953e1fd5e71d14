namespace Runnel.Runtime.Internal;

/// <summary>A unit of work in an activation's mailbox: a call, a timer tick or a deactivation request. Each one
/// runs as a turn: alone, except read-only calls, which may overlap each other, and always-interleave calls, which
/// overlap anything (and usually skip the mailbox: see <see cref="Activation.EnqueueAsync"/>).</summary>
internal abstract class MailboxItem;

/// <summary>A grain timer is due: run its callback as a turn.</summary>
internal sealed class TimerTick(GrainTimer timer) : MailboxItem
{
    public GrainTimer Timer { get; } = timer;
}

/// <summary>Deactivate the activation if it is still idle (or unconditionally, for shutdown).</summary>
internal sealed class DeactivationRequest(DeactivationReason reason) : MailboxItem
{
    public DeactivationReason Reason { get; } = reason;
}
