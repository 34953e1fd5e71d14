using System.Reflection;
using Runnel.Grains;

namespace Runnel.Abstractions.Tests;

/// <summary>
/// The grain contracts as Orleans sees them: every interface, method and serialized type carries an alias (so types and
/// methods can be renamed without breaking silos and clients of another version), and no payload is deep-copied on a
/// call (Orleans copies every argument and result that is not immutable, byte arrays and memory included).
/// </summary>
public sealed class ContractShapeTests
{
    private static readonly Assembly Contracts = typeof(IPartitionGrain).Assembly;

    private static readonly Type[] ByteBuffers = [typeof(byte[]), typeof(ReadOnlyMemory<byte>), typeof(Memory<byte>), typeof(ArraySegment<byte>)];

    private static readonly Type[] Interfaces = [.. Contracts.GetExportedTypes().Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t))];

    private static readonly Type[] Serialized = [.. Contracts.GetExportedTypes().Where(t => t.GetCustomAttribute<GenerateSerializerAttribute>() is not null)];

    public static TheoryData<Type> GrainInterfaces() => [.. Interfaces];

    public static TheoryData<Type> SerializedTypes() => [.. Serialized];

    [Fact]
    public void TheContractsAssembly_HasTheProductGrainInterfaces()
    {
        // Guards the theories below against finding nothing to check.
        Interfaces.Should().Contain([typeof(IPartitionGrain), typeof(ITopicGrain), typeof(ITopicCatalogGrain),
            typeof(IProducerIdGrain), typeof(IConsumerGroupGrain), typeof(IConsumerGroupCatalogGrain)]);
        Serialized.Should().Contain([typeof(ProduceRequest), typeof(RunnelException)]);
        // FetchResponse has a hand-written codec (FetchResponseCodec, tested on its own), not a generated serializer.
        typeof(FetchResponse).GetCustomAttribute<AliasAttribute>().Should().NotBeNull();
        typeof(FetchResponseCodec).GetCustomAttribute<RegisterSerializerAttribute>().Should().NotBeNull();
    }

    [Theory]
    [MemberData(nameof(GrainInterfaces))]
    public void GrainInterface_AndEachOfItsMethods_HaveADistinctAlias(Type grain)
    {
        grain.GetCustomAttribute<AliasAttribute>().Should().NotBeNull($"{grain.Name} needs [Alias]");
        var methods = grain.GetMethods();
        methods.Should().OnlyContain(m => m.GetCustomAttribute<AliasAttribute>() != null, $"every method of {grain.Name} needs [Alias]");
        methods.Select(m => m.GetCustomAttribute<AliasAttribute>()!.Alias).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [MemberData(nameof(SerializedTypes))]
    public void SerializedType_HasAnAlias_AndDistinctFieldIds(Type type)
    {
        type.GetCustomAttribute<AliasAttribute>().Should().NotBeNull($"{type.Name} needs [Alias]");
        var ids = type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
            .Select(p => p.GetCustomAttribute<IdAttribute>()?.Id)
            .Where(id => id is not null)
            .ToList();
        ids.Should().OnlyHaveUniqueItems($"{type.Name}'s [Id]s must differ");
    }

    [Theory]
    [MemberData(nameof(GrainInterfaces))]
    public void GrainMethods_NeverTakeOrReturnACopiedByteBuffer(Type grain)
    {
        foreach (var method in grain.GetMethods())
        {
            foreach (var parameter in method.GetParameters())
            {
                CopyProblem(parameter.ParameterType).Should().BeNull($"{grain.Name}.{method.Name} parameter '{parameter.Name}'");
            }

            CopyProblem(Unwrap(method.ReturnType)).Should().BeNull($"{grain.Name}.{method.Name} result");
        }
    }

    [Fact]
    public void CopyProblem_FindsPlainBuffersAndMutableCarriers()
    {
        // The rule itself, on types made to break it: a test that would pass on anything proves nothing.
        CopyProblem(typeof(byte[])).Should().NotBeNull();
        CopyProblem(typeof(ReadOnlyMemory<byte>)).Should().NotBeNull();
        CopyProblem(typeof(MutableCarrier)).Should().NotBeNull();
        CopyProblem(typeof(ImmutableCarrier)).Should().BeNull();
        CopyProblem(typeof(long)).Should().BeNull();
    }

    /// <summary>Why a value of <paramref name="type"/> would be deep-copied with its bytes, or null.</summary>
    private static string? CopyProblem(Type type)
    {
        if (ByteBuffers.Contains(type))
        {
            return $"{type.Name} is copied on every call: wrap it in an [Immutable] type";
        }

        var carriesBytes = type.GetProperties().Any(p => ByteBuffers.Contains(p.PropertyType));
        return carriesBytes && type.GetCustomAttribute<ImmutableAttribute>() is null
            ? $"{type.Name} carries bytes but is not [Immutable]: Orleans deep-copies it"
            : null;
    }

    private static Type Unwrap(Type type) =>
        type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(ValueTask<>) || type.GetGenericTypeDefinition() == typeof(Task<>))
            ? type.GetGenericArguments()[0]
            : type;

    private sealed record MutableCarrier(ReadOnlyMemory<byte> Bytes);

    [Immutable]
    private sealed record ImmutableCarrier(ReadOnlyMemory<byte> Bytes);
}
