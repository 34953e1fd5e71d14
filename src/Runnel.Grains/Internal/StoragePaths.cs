using System.Globalization;

namespace Runnel.Grains.Internal;

/// <summary>
/// The blob names the grains own (DESIGN.md §4), beside the partition log's own (<see cref="Log.PartitionPaths"/>):
/// <code>
/// topics/{topic}/meta                       legacy: topic metadata (JSON) before it was grain state; migrated, then deleted
/// topics/{topic}/{p}/producer-state         idempotent producers' state snapshot (JSON), changed by If-Match
/// producer-ids                              legacy: the next free producer id before it was grain state; read only
/// groups/{group}/manifest, *.log, *.index   a consumer group's change log (a <see cref="Log.PartitionLog"/>)
/// groups/{group}/snapshot                   the group's state as of a log offset (JSON), changed by If-Match
/// </code>
/// </summary>
internal static class StoragePaths
{
    public const string TopicsPrefix = "topics/";

    public const string MetaSuffix = "/meta";

    public const string ProducerIds = "producer-ids";

    public const string GroupsPrefix = "groups/";

    public const string ManifestSuffix = "/manifest";

    public static string GroupPrefix(string group) => GroupsPrefix + group + "/";

    public static string GroupManifest(string group) => GroupsPrefix + group + ManifestSuffix;

    public static string GroupSnapshot(string group) => GroupsPrefix + group + "/snapshot";

    /// <summary>The group whose log manifest this is, or null when <paramref name="blobName"/> is no group's manifest.</summary>
    public static string? GroupOfManifest(string blobName)
    {
        if (!blobName.StartsWith(GroupsPrefix, StringComparison.Ordinal) || !blobName.EndsWith(ManifestSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var group = blobName[GroupsPrefix.Length..^ManifestSuffix.Length];
        return group.Length > 0 && !group.Contains('/', StringComparison.Ordinal) ? group : null;
    }

    public static string TopicPrefix(string topic) => TopicsPrefix + topic + "/";

    public static string TopicMeta(string topic) => TopicsPrefix + topic + MetaSuffix;

    public static string ProducerState(string topic, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{TopicsPrefix}{topic}/{partition}/producer-state");

    /// <summary>The topic whose metadata blob this is, or null when <paramref name="blobName"/> is no topic's meta blob.</summary>
    public static string? TopicOfMeta(string blobName)
    {
        if (!blobName.StartsWith(TopicsPrefix, StringComparison.Ordinal) || !blobName.EndsWith(MetaSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var topic = blobName[TopicsPrefix.Length..^MetaSuffix.Length];
        return topic.Length > 0 && !topic.Contains('/', StringComparison.Ordinal) ? topic : null;
    }
}
