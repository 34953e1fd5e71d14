using System.Runtime.CompilerServices;
using Runnel.Serialization;

namespace Runnel.Internal;

// Codecs built from other codecs: enums, nullables, arrays, lists and dictionaries. Collections are a varint
// count + 1 (0 = null), then the elements in order; a dictionary's elements are key, value pairs.

internal sealed class EnumCodec<T> : IWireCodec<T>
    where T : struct, Enum
{
    public WireType WireType => WireType.VarInt;

    public void Write(WireWriter writer, T value) => writer.WriteVarInt64(ToInt64(value));

    public T Read(ref WireReader reader)
    {
        var raw = reader.ReadVarInt64();
        var value = default(T);
        switch (Unsafe.SizeOf<T>())
        {
            case 1:
                Unsafe.As<T, byte>(ref value) = (byte)raw;
                break;
            case 2:
                Unsafe.As<T, short>(ref value) = (short)raw;
                break;
            case 4:
                Unsafe.As<T, int>(ref value) = (int)raw;
                break;
            default:
                Unsafe.As<T, long>(ref value) = raw;
                break;
        }

        return value;
    }

    private static long ToInt64(T value) => Unsafe.SizeOf<T>() switch
    {
        1 => Unsafe.As<T, byte>(ref value),
        2 => Unsafe.As<T, short>(ref value),
        4 => Unsafe.As<T, int>(ref value),
        _ => Unsafe.As<T, long>(ref value),
    };
}

internal sealed class NullableCodec<T> : IWireCodec<T?>
    where T : struct
{
    private readonly IWireCodec<T> _inner = WireCodec<T>.Instance;

    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, T? value)
    {
        if (value is { } present)
        {
            writer.WriteByte(1);
            _inner.Write(writer, present);
        }
        else
        {
            writer.WriteByte(0);
        }
    }

    public T? Read(ref WireReader reader) => reader.ReadByte() switch
    {
        0 => null,
        1 => _inner.Read(ref reader),
        var b => throw WireReader.Malformed($"nullable marker {b}"),
    };
}

internal sealed class ArrayCodec<T> : IWireCodec<T[]>
{
    private readonly IWireCodec<T> _element = WireCodec<T>.Instance;

    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, T[] value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteVarUInt64((ulong)value.Length + 1);
        foreach (var item in value)
        {
            _element.Write(writer, item);
        }
    }

    public T[] Read(ref WireReader reader)
    {
        var count = reader.ReadCount(out var isNull);
        if (isNull)
        {
            return null!;
        }

        var result = new T[count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _element.Read(ref reader);
        }

        return result;
    }
}

internal sealed class ListCodec<T> : IWireCodec<List<T>>
{
    private readonly IWireCodec<T> _element = WireCodec<T>.Instance;

    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, List<T> value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteVarUInt64((ulong)value.Count + 1);
        foreach (var item in value)
        {
            _element.Write(writer, item);
        }
    }

    public List<T> Read(ref WireReader reader)
    {
        var count = reader.ReadCount(out var isNull);
        if (isNull)
        {
            return null!;
        }

        var result = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(_element.Read(ref reader));
        }

        return result;
    }
}

/// <summary>IReadOnlyList&lt;T&gt;: written like a list, read back as an array.</summary>
internal sealed class ReadOnlyListCodec<T> : IWireCodec<IReadOnlyList<T>>
{
    private readonly IWireCodec<T> _element = WireCodec<T>.Instance;
    private readonly ArrayCodec<T> _array = new();

    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, IReadOnlyList<T> value)
    {
        if (value is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteVarUInt64((ulong)value.Count + 1);
        for (var i = 0; i < value.Count; i++)
        {
            _element.Write(writer, value[i]);
        }
    }

    public IReadOnlyList<T> Read(ref WireReader reader) => _array.Read(ref reader);
}

internal sealed class DictionaryCodec<TKey, TValue> : IWireCodec<Dictionary<TKey, TValue>>
    where TKey : notnull
{
    private readonly IWireCodec<TKey> _key = WireCodec<TKey>.Instance;
    private readonly IWireCodec<TValue> _value = WireCodec<TValue>.Instance;

    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, Dictionary<TKey, TValue> value) => WritePairs(writer, value, _key, _value);

    public Dictionary<TKey, TValue> Read(ref WireReader reader)
    {
        var count = reader.ReadCount(out var isNull);
        if (isNull)
        {
            return null!;
        }

        var result = new Dictionary<TKey, TValue>(count);
        for (var i = 0; i < count; i++)
        {
            var key = _key.Read(ref reader);
            if (!result.TryAdd(key, _value.Read(ref reader)))
            {
                throw WireReader.Malformed("duplicate dictionary key");
            }
        }

        return result;
    }

    internal static void WritePairs(WireWriter writer, IReadOnlyCollection<KeyValuePair<TKey, TValue>>? pairs, IWireCodec<TKey> key, IWireCodec<TValue> value)
    {
        if (pairs is null)
        {
            writer.WriteByte(0);
            return;
        }

        writer.WriteVarUInt64((ulong)pairs.Count + 1);
        foreach (var pair in pairs)
        {
            key.Write(writer, pair.Key);
            value.Write(writer, pair.Value);
        }
    }
}

/// <summary>IReadOnlyDictionary: written like a dictionary, read back as a <see cref="Dictionary{TKey, TValue}"/>.</summary>
internal sealed class ReadOnlyDictionaryCodec<TKey, TValue> : IWireCodec<IReadOnlyDictionary<TKey, TValue>>
    where TKey : notnull
{
    private readonly DictionaryCodec<TKey, TValue> _inner = new();

    public WireType WireType => WireType.Framed;

    public void Write(WireWriter writer, IReadOnlyDictionary<TKey, TValue> value) =>
        DictionaryCodec<TKey, TValue>.WritePairs(writer, value, WireCodec<TKey>.Instance, WireCodec<TValue>.Instance);

    public IReadOnlyDictionary<TKey, TValue> Read(ref WireReader reader) => _inner.Read(ref reader);
}
