using Runnel.Invocation;
using Runnel.Serialization;

namespace Runnel.Runtime.Routing;

/// <summary>Turns proxy calls into <see cref="RoutedCall{TResult}"/>s on a routing context, with an optional
/// per-call timeout (probes use short ones). Also the <see cref="IGrainFactory"/> of that context. Thread-safe.</summary>
internal sealed class RoutedInvoker(IRoutingContext context, TimeSpan? timeout = null) : IGrainCallInvoker, IGrainFactory
{
    public OutgoingCall<TResult> StartCall<TResult>(GrainId grainId, uint methodId, IWireCodec<TResult> resultCodec) =>
        new RoutedCall<TResult>(context, grainId, methodId, resultCodec, timeout);

    /// <summary>A reference to grain <paramref name="key"/> of <typeparamref name="TGrainInterface"/> through this invoker.</summary>
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        var descriptor = GrainInterfaceRegistry.Get<TGrainInterface>();
        return (TGrainInterface)(object)descriptor.CreateReference(new GrainId(descriptor.GrainType, key), this);
    }
}
