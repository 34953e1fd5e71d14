using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Runnel.Invocation;

/// <summary>
/// Every grain interface's <see cref="GrainInterfaceDescriptor"/>, registered by the generated module initializer
/// of the assembly that declares the interface. Thread-safe.
/// </summary>
public static class GrainInterfaceRegistry
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceDescriptor> Descriptors = new();

    /// <summary>Registers a descriptor (generated code calls this). The last one for an interface wins.</summary>
    public static void Register(GrainInterfaceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Descriptors[descriptor.InterfaceType] = descriptor;
    }

    /// <summary>The descriptor for a grain interface.</summary>
    /// <exception cref="InvalidOperationException">None was generated: the declaring project does not reference
    /// the Runnel.CodeGen generator.</exception>
    public static GrainInterfaceDescriptor Get(Type interfaceType)
    {
        ArgumentNullException.ThrowIfNull(interfaceType);
        if (Descriptors.TryGetValue(interfaceType, out var descriptor))
        {
            return descriptor;
        }

        // Loading an assembly does not run its module initializer; touching the interface's module does.
        RuntimeHelpers.RunModuleConstructor(interfaceType.Module.ModuleHandle);
        return Descriptors.TryGetValue(interfaceType, out descriptor)
            ? descriptor
            : throw new InvalidOperationException(
                $"No generated proxy for grain interface {interfaceType.FullName}. Reference the Runnel.CodeGen generator from the project that declares it (see src/Runnel.CodeGen/README.md).");
    }

    /// <summary>The descriptor for <typeparamref name="TGrainInterface"/>, cached per type.</summary>
    public static GrainInterfaceDescriptor Get<TGrainInterface>()
        where TGrainInterface : IGrain => Cache<TGrainInterface>.Descriptor;

    private static class Cache<TGrainInterface>
        where TGrainInterface : IGrain
    {
        public static readonly GrainInterfaceDescriptor Descriptor = Get(typeof(TGrainInterface));
    }
}
