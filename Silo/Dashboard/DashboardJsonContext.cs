using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runnel.Silo.Dashboard;

/// <summary>The dashboard API's JSON: camelCase, nulls written (the page tells "not sampled" from 0).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClusterSnapshot))]
[JsonSerializable(typeof(TopicDetail))]
[JsonSerializable(typeof(DashboardError))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;

/// <summary>An API error: the Runnel error code and a message naming what was wrong.</summary>
internal sealed record DashboardError(string Code, string Message);
