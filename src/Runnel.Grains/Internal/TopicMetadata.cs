using System.Text.Json;
using Runnel.Log;
using Runnel.Storage;

namespace Runnel.Grains.Internal;

/// <summary>Whether a topic serves, or is being deleted (its partitions stop and their blobs go; then the meta blob goes).</summary>
internal enum TopicState
{
    Active = 0,
    Deleting = 1,
}

/// <summary>
/// A topic's metadata, the JSON document in <c>topics/{topic}/meta</c>, changed only by If-Match on its ETag:
/// <code>
/// {"version":1,"name":"orders","partitionCount":3,"config":{"retention.ms":"3600000"},
///  "createdAt":"2025-01-01T00:00:00+00:00","state":"Active","writeId":"5f0c..."}
/// </code>
/// <see cref="Config"/> holds the overrides only; defaults are filled in when described. <see cref="WriteId"/> is fresh
/// per write, so a writer whose response was lost can tell whether its write landed.
/// </summary>
internal sealed record TopicMetadata(
    int Version,
    string Name,
    int PartitionCount,
    IReadOnlyDictionary<string, string> Config,
    DateTimeOffset CreatedAt,
    TopicState State,
    string WriteId)
{
    public const int CurrentVersion = 1;

    public bool IsActive => State == TopicState.Active;

    public static string NewWriteId() => Guid.NewGuid().ToString("N");

    public TopicDescription Describe() => new(Name, PartitionCount, TopicConfig.Effective(Config), CreatedAt);

    /// <summary>What retention keeps of each partition: <c>retention.ms</c> / <c>retention.bytes</c> under the "delete"
    /// cleanup policy; as Kafka, a "compact"-only topic keeps its segments (both -1).</summary>
    public RetentionPolicy Retention()
    {
        var config = TopicConfig.Effective(Config);
        var deletes = config[TopicConfig.CleanupPolicy].Split(',', StringSplitOptions.TrimEntries).Contains("delete", StringComparer.Ordinal);
        return deletes
            ? new RetentionPolicy(TopicConfig.GetInt64(config, TopicConfig.RetentionMs), TopicConfig.GetInt64(config, TopicConfig.RetentionBytes))
            : RetentionPolicy.KeepAll;
    }

    /// <summary>How the topic's partitions compact (<c>min.cleanable.dirty.ratio</c>, <c>delete.retention.ms</c>,
    /// <c>min.compaction.lag.ms</c>), or null when its <c>cleanup.policy</c> does not include <c>compact</c>.</summary>
    public CompactionPolicy? Compaction()
    {
        var config = TopicConfig.Effective(Config);
        return TopicConfig.HasCleanupPolicy(config, "compact")
            ? new CompactionPolicy(
                TopicConfig.GetDouble(config, TopicConfig.MinCleanableDirtyRatio),
                TopicConfig.GetInt64(config, TopicConfig.DeleteRetentionMs),
                TopicConfig.GetInt64(config, TopicConfig.MinCompactionLagMs))
            : null;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, GrainsJsonContext.Default.TopicMetadata);

    public static TopicMetadata FromJson(ReadOnlySpan<byte> json, string blobName)
    {
        try
        {
            var meta = JsonSerializer.Deserialize(json, GrainsJsonContext.Default.TopicMetadata) ?? throw new JsonException("null document");
            return meta.Version == CurrentVersion
                ? meta
                : throw new RunnelException(RunnelErrorCode.Unknown, $"Topic metadata '{blobName}' has version {meta.Version}; this build reads version {CurrentVersion}.");
        }
        catch (JsonException ex)
        {
            throw new RunnelException(RunnelErrorCode.Unknown, $"Topic metadata '{blobName}' is not valid: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a topic's metadata and its ETag; null when the blob does not exist. One storage round trip.</summary>
    public static async ValueTask<(TopicMetadata? Meta, ETag ETag)> ReadAsync(IObjectStore store, string topic, CancellationToken cancellationToken)
    {
        var name = StoragePaths.TopicMeta(topic);
        var blob = await store.TryGetAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return blob is null ? (null, default) : (FromJson(blob.Content.Span, name), blob.Properties.ETag);
    }
}
