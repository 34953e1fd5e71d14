using Runnel.Serialization;

namespace Runnel.Invocation;

/// <summary>
/// Sends grain calls: the seam between generated proxies and a transport (a client connection, or a silo's
/// local dispatch). Implementations are thread-safe.
/// </summary>
public interface IGrainCallInvoker
{
    /// <summary>
    /// Begins a call: the proxy writes the arguments into <see cref="OutgoingCall{TResult}.Arguments"/> and then
    /// calls <see cref="OutgoingCall{TResult}.InvokeAsync"/> exactly once (or <see cref="OutgoingCall{TResult}.Abandon"/>).
    /// </summary>
    OutgoingCall<TResult> StartCall<TResult>(GrainId grainId, uint methodId, IWireCodec<TResult> resultCodec);
}
