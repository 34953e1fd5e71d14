using Runnel.Serialization;

namespace Runnel.Invocation;

/// <summary>
/// One grain call being built and sent. Single use, not thread-safe: written by one proxy method, then invoked
/// once. After <see cref="InvokeAsync"/> or <see cref="Abandon"/> the call owns nothing the caller may touch.
/// </summary>
public abstract class OutgoingCall<TResult>
{
    /// <summary>Where the proxy writes the arguments, in declaration order (no tags). Pooled: valid until
    /// <see cref="InvokeAsync"/> or <see cref="Abandon"/> is called.</summary>
    public abstract WireWriter Arguments { get; }

    /// <summary>
    /// Sends the call and waits for its result.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; if the call had been
    /// sent, a cancel frame is sent so the grain's token fires too.</exception>
    /// <exception cref="RunnelException">The call failed: <see cref="RunnelErrorCode.OutcomeUnknown"/> (deadline
    /// passed, or the connection dropped after sending), <see cref="RunnelErrorCode.ConnectionLost"/> (not sent),
    /// <see cref="RunnelErrorCode.Rejected"/>, <see cref="RunnelErrorCode.ActivationFailed"/>, or the grain's own
    /// <see cref="RunnelException"/>; <see cref="GrainCallFailedException"/> for any other exception the grain threw.</exception>
    public abstract ValueTask<TResult> InvokeAsync(CancellationToken cancellationToken);

    /// <summary>Releases the call without sending it (the proxy failed to write an argument).</summary>
    public abstract void Abandon();
}
