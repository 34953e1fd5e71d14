namespace Runnel.Serialization;

/// <summary>
/// The codec for <typeparamref name="T"/>, resolved once per type (see <see cref="WireCodecRegistry"/>) and cached:
/// after the first use, getting it is a static field read. Generated proxies, invokers and serializers use it.
/// </summary>
public static class WireCodec<T>
{
    /// <summary>The codec. Throws <see cref="TypeInitializationException"/> wrapping a
    /// <see cref="NotSupportedException"/> when the type has none (the generator rejects such types at build time).</summary>
    public static IWireCodec<T> Instance { get; } = WireCodecRegistry.Resolve<T>();
}
