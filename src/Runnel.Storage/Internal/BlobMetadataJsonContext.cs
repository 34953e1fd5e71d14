using System.Text.Json.Serialization;

namespace Runnel.Storage.Internal;

/// <summary>Source-generated JSON for <see cref="BlobMetadata"/> (no reflection on the write path).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BlobMetadata))]
internal sealed partial class BlobMetadataJsonContext : JsonSerializerContext;
