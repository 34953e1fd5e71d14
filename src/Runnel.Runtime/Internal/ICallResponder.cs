using Runnel.Serialization;

namespace Runnel.Runtime.Internal;

/// <summary>
/// Where a call's outcome goes: a connection (as a response frame) or a local caller. Exactly one of
/// <see cref="Complete"/> or <see cref="Fail"/> is called per call, from the activation's turn; implementations
/// are thread-safe because read-only calls complete concurrently.
/// </summary>
internal interface ICallResponder
{
    /// <summary>A writer for the call's result, positioned after any header the responder needs.</summary>
    WireWriter BeginResult(IncomingCall call);

    /// <summary>The result has been written into the writer from <see cref="BeginResult"/>; the responder owns it now.</summary>
    ValueTask Complete(IncomingCall call, WireWriter result);

    /// <summary>The call failed (the writer from <see cref="BeginResult"/>, if any, was disposed by the caller).</summary>
    ValueTask Fail(IncomingCall call, Exception error);
}
