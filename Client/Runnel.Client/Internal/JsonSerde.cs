using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Runnel.Client.Internal;

internal sealed class JsonSerde<T>(JsonTypeInfo<T> typeInfo) : ISerializer<T>, IDeserializer<T>
{
    public void Serialize(T value, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, value, typeInfo);
    }

    public T Deserialize(ReadOnlySpan<byte> data) => JsonSerializer.Deserialize(data, typeInfo)!;
}
