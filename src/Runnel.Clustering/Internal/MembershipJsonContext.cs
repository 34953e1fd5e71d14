using System.Text.Json.Serialization;

namespace Runnel.Clustering.Internal;

/// <summary>Source-generated System.Text.Json metadata for the membership blob (no reflection at run time).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MembershipDocument))]
internal sealed partial class MembershipJsonContext : JsonSerializerContext;
