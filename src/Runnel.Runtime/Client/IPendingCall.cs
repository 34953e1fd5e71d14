using Runnel.Runtime.Transport;

namespace Runnel.Runtime.Client;

/// <summary>A call sent (or queued) on a client connection and waiting for its response. Exactly one of the
/// completing methods wins; the others do nothing.</summary>
internal interface IPendingCall
{
    long CorrelationId { get; }

    /// <summary>When the call was registered on its connection (UTC ticks on the caller's clock).</summary>
    long RegisteredAtTicks { get; }

    /// <summary>True once the frame was handed to the socket: its outcome is unknown if no response comes.</summary>
    bool WasSent { get; }

    /// <summary>Completes the call from its response frame (the call takes ownership of the frame).</summary>
    void OnResponse(ReceivedFrame frame);

    /// <summary>Fails the call.</summary>
    void Fail(RunnelException error);

    /// <summary>Fails the call because its connection dropped, with <paramref name="error"/>(<c>wasSent</c>) decided
    /// atomically with the write: once this runs the frame can no longer be written, and <c>wasSent</c> says whether it
    /// had been (so a call reported as not sent, and retried, never also reaches the silo).</summary>
    void FailDropped(Func<bool, RunnelException> error);

    /// <summary>Fails the call with <see cref="RunnelErrorCode.OutcomeUnknown"/> if its deadline has passed.</summary>
    void CheckDeadline(long nowTicks);
}
