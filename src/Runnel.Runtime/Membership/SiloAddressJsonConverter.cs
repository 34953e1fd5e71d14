using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runnel.Runtime.Membership;

/// <summary>Writes a <see cref="SiloAddress"/> as its <c>endpoint@generation</c> string.</summary>
internal sealed class SiloAddressJsonConverter : JsonConverter<SiloAddress>
{
    public override SiloAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SiloAddress.TryParse(reader.GetString(), out var address) ? address : throw new JsonException($"'{reader.GetString()}' is not a silo address.");

    public override void Write(Utf8JsonWriter writer, SiloAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
