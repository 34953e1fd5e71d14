using Microsoft.Extensions.DependencyInjection;
using Runnel.Invocation;

namespace Runnel.Runtime.Internal;

/// <summary>A grain class registered for a grain interface (<see cref="ISiloBuilder.AddGrain{TInterface, TGrain}"/>).</summary>
internal sealed record GrainRegistration(Type InterfaceType, Type GrainClass);

/// <summary>One hosted grain type: the interface's generated descriptor and a compiled constructor for the class.</summary>
internal sealed class GrainTypeInfo(GrainInterfaceDescriptor descriptor, Type grainClass)
{
    private readonly ObjectFactory _factory = ActivatorUtilities.CreateFactory(grainClass, Type.EmptyTypes);

    public GrainInterfaceDescriptor Descriptor { get; } = descriptor;

    public Type GrainClass { get; } = grainClass;

    /// <summary>Creates a grain instance with constructor injection from the host's services.</summary>
    public Grain Create(IServiceProvider services) => (Grain)_factory(services, null);
}

/// <summary>The grain types this silo hosts, by grain type name. Built once at startup; read-only after.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, GrainTypeInfo> _types = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<GrainRegistration> registrations)
    {
        foreach (var registration in registrations)
        {
            var descriptor = GrainInterfaceRegistry.Get(registration.InterfaceType);
            if (_types.TryGetValue(descriptor.GrainType, out var existing))
            {
                throw new InvalidOperationException(
                    $"Grain type '{descriptor.GrainType}' is registered twice: {existing.GrainClass.FullName} and {registration.GrainClass.FullName}.");
            }

            _types.Add(descriptor.GrainType, new GrainTypeInfo(descriptor, registration.GrainClass));
        }
    }

    public bool TryGet(string grainType, out GrainTypeInfo info) => _types.TryGetValue(grainType, out info!);
}
