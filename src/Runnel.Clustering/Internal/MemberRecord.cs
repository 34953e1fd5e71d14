using System.Text.Json.Serialization;

namespace Runnel.Clustering.Internal;

/// <summary>One silo's row of the membership table: Orleans' <c>MembershipEntry</c> plus the row's etag. Silo
/// addresses are kept in Orleans' parsable form (<c>SiloAddress.ToParsableString</c>); times are UTC.</summary>
internal sealed class MemberRecord
{
    [JsonPropertyName("silo")]
    public string Silo { get; set; } = "";

    [JsonPropertyName("eTag")]
    public string ETag { get; set; } = "";

    /// <summary>Orleans' <c>SiloStatus</c> as its number (the enum's values are part of Orleans' wire contract).</summary>
    [JsonPropertyName("status")]
    public int Status { get; set; }

    [JsonPropertyName("suspectTimes")]
    public List<SuspectRecord>? SuspectTimes { get; set; }

    [JsonPropertyName("proxyPort")]
    public int ProxyPort { get; set; }

    [JsonPropertyName("hostName")]
    public string HostName { get; set; } = "";

    [JsonPropertyName("siloName")]
    public string SiloName { get; set; } = "";

    [JsonPropertyName("roleName")]
    public string? RoleName { get; set; }

    [JsonPropertyName("updateZone")]
    public int UpdateZone { get; set; }

    [JsonPropertyName("faultZone")]
    public int FaultZone { get; set; }

    [JsonPropertyName("startTime")]
    public DateTime StartTime { get; set; }

    [JsonPropertyName("iAmAliveTime")]
    public DateTime IAmAliveTime { get; set; }
}
