using System.Text.Json.Serialization;

namespace Runnel.Clustering.Internal;

/// <summary>One vote that a silo is dead: who voted, and when (UTC).</summary>
internal sealed class SuspectRecord
{
    [JsonPropertyName("silo")]
    public string Silo { get; set; } = "";

    [JsonPropertyName("time")]
    public DateTime Time { get; set; }
}
