using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>The built-in serializers. Each is stateless (or immutable) and thread-safe.</summary>
public static class Serializers
{
    /// <summary>Raw bytes, unchanged.</summary>
    public static ISerializer<byte[]> ByteArray { get; } = new ByteArraySerde();

    /// <summary>Strings as UTF-8 (no BOM).</summary>
    public static ISerializer<string> Utf8 { get; } = new Utf8Serde();

    /// <summary>JSON through System.Text.Json with source-generated metadata (trim- and AOT-safe).</summary>
    public static ISerializer<T> Json<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new JsonSerde<T>(typeInfo);
    }

    /// <summary>JSON through System.Text.Json by reflection: convenient, not trim-safe. <paramref name="options"/>
    /// default to <see cref="JsonSerializerOptions.Web"/>.</summary>
    [RequiresUnreferencedCode("Reflection-based JSON; use Json(JsonTypeInfo<T>) for trimmed or AOT apps.")]
    [RequiresDynamicCode("Reflection-based JSON; use Json(JsonTypeInfo<T>) for trimmed or AOT apps.")]
    public static ISerializer<T> Json<T>(JsonSerializerOptions? options = null) =>
        new JsonSerde<T>((JsonTypeInfo<T>)(options ?? JsonSerializerOptions.Web).GetTypeInfo(typeof(T)));

    /// <summary>A serializer from a delegate.</summary>
    public static ISerializer<T> Create<T>(Action<T, IBufferWriter<byte>> serialize)
    {
        ArgumentNullException.ThrowIfNull(serialize);
        return new DelegateSerializer<T>(serialize);
    }

    /// <summary>The built-in serializer for <typeparamref name="T"/> (byte[] or string), or null when there is none.</summary>
    internal static ISerializer<T>? Default<T>() =>
        typeof(T) == typeof(byte[]) ? (ISerializer<T>)ByteArray
        : typeof(T) == typeof(string) ? (ISerializer<T>)Utf8
        : null;

    private sealed class DelegateSerializer<T>(Action<T, IBufferWriter<byte>> serialize) : ISerializer<T>
    {
        public void Serialize(T value, IBufferWriter<byte> output) => serialize(value, output);
    }
}
