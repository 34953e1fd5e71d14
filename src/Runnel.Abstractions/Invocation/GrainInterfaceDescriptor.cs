using Runnel.Serialization;

namespace Runnel.Invocation;

/// <summary>
/// What the generator knows about one grain interface: its grain type name, a proxy factory and an invoker that
/// maps a method id to a call on the grain (deserialize the arguments, call, serialize the result) with no
/// reflection. One generated subclass per interface, registered in <see cref="GrainInterfaceRegistry"/>.
/// </summary>
/// <remarks>
/// Method ids are the FNV-1a 32-bit hash of <c>DeclaringInterface.Method(ParamType, ...)</c> with fully
/// qualified type names and without the trailing <see cref="CancellationToken"/>; they change only when the
/// method's name, parameter types or declaring interface change. The generator fails the build on a collision.
/// </remarks>
public abstract class GrainInterfaceDescriptor
{
    /// <summary>The grain interface.</summary>
    public abstract Type InterfaceType { get; }

    /// <summary>The grain type on the wire (<see cref="GrainTypeAttribute"/> or the interface's full name).</summary>
    public abstract string GrainType { get; }

    /// <summary>Creates a proxy implementing <see cref="InterfaceType"/>. Cheap.</summary>
    public abstract GrainReference CreateReference(GrainId grainId, IGrainCallInvoker invoker);

    /// <summary>True when the method is marked <see cref="ReadOnlyAttribute"/>; false for unknown ids.</summary>
    public abstract bool IsReadOnly(uint methodId);

    /// <summary>True when the method is marked <see cref="AlwaysInterleaveAttribute"/>; false for unknown ids. Virtual so
    /// that descriptors written before the attribute existed keep compiling (they interleave nothing).</summary>
    public virtual bool IsAlwaysInterleave(uint methodId) => false;

    /// <summary>True when the interface has a method with this id.</summary>
    public abstract bool HasMethod(uint methodId);

    /// <summary>The method's name (for logs), or null for an unknown id.</summary>
    public abstract string? GetMethodName(uint methodId);

    /// <summary>
    /// Invokes one method on <paramref name="grain"/>: reads the arguments from <paramref name="arguments"/>
    /// (which must hold exactly them), calls the method with <paramref name="cancellationToken"/>, and writes the
    /// result into <paramref name="result"/>. Completes synchronously when the grain method does.
    /// <paramref name="arguments"/> must stay valid until the returned task completes (byte arguments are slices of it).
    /// </summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.MalformedMessage"/> for bad arguments,
    /// <see cref="RunnelErrorCode.ProtocolMismatch"/> for an unknown method id; anything the grain throws passes through.</exception>
    public abstract ValueTask InvokeAsync(object grain, uint methodId, ReadOnlyMemory<byte> arguments, WireWriter result, CancellationToken cancellationToken);
}
