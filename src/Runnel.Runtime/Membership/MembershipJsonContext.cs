using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runnel.Runtime.Membership;

/// <summary>Source-generated JSON for the membership table and heartbeats (no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(MembershipTable))]
[JsonSerializable(typeof(Heartbeat))]
internal sealed partial class MembershipJsonContext : JsonSerializerContext
{
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.MalformedMessage"/>: not a membership table.</exception>
    public static MembershipTable ParseTable(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, Default.MembershipTable) ?? throw new JsonException("null table");
        }
        catch (JsonException ex)
        {
            throw new RunnelException(RunnelErrorCode.MalformedMessage, "The membership blob is not a valid membership table: " + ex.Message, ex);
        }
    }

    public static byte[] Serialize(MembershipTable table) => JsonSerializer.SerializeToUtf8Bytes(table, Default.MembershipTable);
}

/// <summary>The content of a heartbeat blob (only its Last-Modified matters; the content is for operators).</summary>
internal sealed record Heartbeat(string Silo, string Name, SiloStatus Status);
