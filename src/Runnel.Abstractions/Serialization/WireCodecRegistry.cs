using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Runnel.Internal;

namespace Runnel.Serialization;

/// <summary>
/// Finds the codec for a type: built-in codecs for scalars, strings and byte buffers; codecs composed once per
/// type for enums, nullables, arrays, <see cref="List{T}"/>, <see cref="IReadOnlyList{T}"/>,
/// <see cref="Dictionary{TKey, TValue}"/> and <see cref="IReadOnlyDictionary{TKey, TValue}"/>; and codecs the
/// generator registers for <see cref="GenerateSerializerAttribute"/> types. Thread-safe. Resolution uses reflection
/// once per type (to compose generic codecs); calls never do.
/// </summary>
public static class WireCodecRegistry
{
    private static readonly ConcurrentDictionary<Type, object> Registered = new();

    private static readonly Dictionary<Type, object> BuiltIn = new()
    {
        [typeof(bool)] = new BooleanCodec(),
        [typeof(byte)] = new ByteCodec(),
        [typeof(sbyte)] = new SByteCodec(),
        [typeof(short)] = new Int16Codec(),
        [typeof(ushort)] = new UInt16Codec(),
        [typeof(int)] = new Int32Codec(),
        [typeof(uint)] = new UInt32Codec(),
        [typeof(long)] = new Int64Codec(),
        [typeof(ulong)] = new UInt64Codec(),
        [typeof(char)] = new CharCodec(),
        [typeof(float)] = new SingleCodec(),
        [typeof(double)] = new DoubleCodec(),
        [typeof(decimal)] = new DecimalCodec(),
        [typeof(string)] = new StringCodec(),
        [typeof(byte[])] = new ByteArrayCodec(),
        [typeof(ReadOnlyMemory<byte>)] = new ReadOnlyMemoryCodec(),
        [typeof(Guid)] = new GuidCodec(),
        [typeof(TimeSpan)] = new TimeSpanCodec(),
        [typeof(DateTime)] = new DateTimeCodec(),
        [typeof(DateTimeOffset)] = new DateTimeOffsetCodec(),
        [typeof(NoResult)] = new NoResultCodec(),
    };

    /// <summary>Registers a codec (the generator calls this from a module initializer). The last one wins.</summary>
    public static void Register<T>(IWireCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        Registered[typeof(T)] = codec;
    }

    internal static IWireCodec<T> Resolve<T>()
    {
        var type = typeof(T);
        if (BuiltIn.TryGetValue(type, out var builtIn))
        {
            return (IWireCodec<T>)builtIn;
        }

        if (Compose(type) is { } composed)
        {
            return (IWireCodec<T>)composed;
        }

        if (Registered.TryGetValue(type, out var registered))
        {
            return (IWireCodec<T>)registered;
        }

        // The type's assembly registers its generated codecs in a module initializer, which the runtime may not
        // have run yet: run it, then look again.
        RuntimeHelpers.RunModuleConstructor(type.Module.ModuleHandle);
        return Registered.TryGetValue(type, out registered)
            ? (IWireCodec<T>)registered
            : throw new NotSupportedException($"No wire codec for {type.FullName}. Mark it [GenerateSerializer] and give its members [Id(n)].");
    }

    private static object? Compose(Type type)
    {
        Type? codecType = null;
        if (type.IsEnum)
        {
            codecType = typeof(EnumCodec<>).MakeGenericType(type);
        }
        else if (type.IsArray && type.GetArrayRank() == 1)
        {
            codecType = typeof(ArrayCodec<>).MakeGenericType(type.GetElementType()!);
        }
        else if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            codecType = definition switch
            {
                _ when definition == typeof(Nullable<>) => typeof(NullableCodec<>).MakeGenericType(args),
                _ when definition == typeof(List<>) => typeof(ListCodec<>).MakeGenericType(args),
                _ when definition == typeof(IReadOnlyList<>) => typeof(ReadOnlyListCodec<>).MakeGenericType(args),
                _ when definition == typeof(Dictionary<,>) => typeof(DictionaryCodec<,>).MakeGenericType(args),
                _ when definition == typeof(IReadOnlyDictionary<,>) => typeof(ReadOnlyDictionaryCodec<,>).MakeGenericType(args),
                _ => null,
            };
        }

        return codecType is null ? null : Activator.CreateInstance(codecType);
    }
}
