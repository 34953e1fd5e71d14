using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>The built-in deserializers. Each is stateless (or immutable) and thread-safe.</summary>
public static class Deserializers
{
    /// <summary>Raw bytes, copied into a new array.</summary>
    public static IDeserializer<byte[]> ByteArray { get; } = new ByteArraySerde();

    /// <summary>UTF-8 text (invalid sequences become U+FFFD).</summary>
    public static IDeserializer<string> Utf8 { get; } = new Utf8Serde();

    /// <summary>JSON through System.Text.Json with source-generated metadata (trim- and AOT-safe).</summary>
    public static IDeserializer<T> Json<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new JsonSerde<T>(typeInfo);
    }

    /// <summary>JSON through System.Text.Json by reflection; <paramref name="options"/> default to
    /// <see cref="JsonSerializerOptions.Web"/>.</summary>
    [RequiresUnreferencedCode("Reflection-based JSON; use Json(JsonTypeInfo<T>) for trimmed or AOT apps.")]
    [RequiresDynamicCode("Reflection-based JSON; use Json(JsonTypeInfo<T>) for trimmed or AOT apps.")]
    public static IDeserializer<T> Json<T>(JsonSerializerOptions? options = null) =>
        new JsonSerde<T>((JsonTypeInfo<T>)(options ?? JsonSerializerOptions.Web).GetTypeInfo(typeof(T)));

    /// <summary>A deserializer from a delegate.</summary>
    public static IDeserializer<T> Create<T>(DeserializeFunc<T> deserialize)
    {
        ArgumentNullException.ThrowIfNull(deserialize);
        return new DelegateDeserializer<T>(deserialize);
    }

    /// <summary>The built-in deserializer for <typeparamref name="T"/> (byte[] or string), or null when there is none.</summary>
    internal static IDeserializer<T>? Default<T>() =>
        typeof(T) == typeof(byte[]) ? (IDeserializer<T>)ByteArray
        : typeof(T) == typeof(string) ? (IDeserializer<T>)Utf8
        : null;

    private sealed class DelegateDeserializer<T>(DeserializeFunc<T> deserialize) : IDeserializer<T>
    {
        public T Deserialize(ReadOnlySpan<byte> data) => deserialize(data);
    }
}
