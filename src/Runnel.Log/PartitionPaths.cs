using System.Globalization;

namespace Runnel.Log;

/// <summary>
/// The blob names of one partition under its prefix (DESIGN.md §4):
/// <code>
/// {prefix}manifest                                   the manifest (JSON, changed by If-Match)
/// {prefix}{epoch:D10}-{baseOffset:D20}.log           a segment: append blob of record batches
/// {prefix}{epoch:D10}-{baseOffset:D20}.index         sparse offset → position index of a sealed segment
/// {prefix}{epoch:D10}-{baseOffset:D20}.timeindex     sparse max-timestamp → offset index of a sealed segment
/// {prefix}tail-checkpoint                            the owner's last tail checkpoint (a takeover hint)
/// {prefix}compacted/{epoch:D10}-{baseOffset:D20}.{pass}.log   a segment written by a compaction pass (and its
///                                                    .index/.timeindex): staged there, live once the manifest names it
/// </code>
/// Zero-padded numbers make the names sort in offset order within an epoch.
/// </summary>
public sealed class PartitionPaths
{
    /// <param name="prefix">The partition's folder, ending in '/', e.g. <c>topics/orders/3/</c>.</param>
    public PartitionPaths(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.EndsWith('/'))
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Partition prefix '{prefix}' must end with '/'.");
        }

        Prefix = prefix;
        Manifest = prefix + "manifest";
        DisplayName = TopicPartitionName(prefix) ?? prefix;
    }

    /// <summary>The paths of partition <paramref name="partition"/> of topic <paramref name="topic"/>: <c>topics/{topic}/{partition}/</c>.</summary>
    public static PartitionPaths ForTopicPartition(string topic, int partition) =>
        new(string.Create(CultureInfo.InvariantCulture, $"topics/{topic}/{partition}/"));

    public string Prefix { get; }

    /// <summary>The partition as users name it, for messages a client may see: <c>orders[3]</c> for the prefix
    /// <c>topics/orders/3/</c>; any other prefix as it is.</summary>
    public string DisplayName { get; }

    public string Manifest { get; }

    /// <summary>The tail checkpoint blob: where the active segment stood a little while ago (a takeover hint).</summary>
    public string TailCheckpoint => Prefix + "tail-checkpoint";

    public string Segment(long epoch, long baseOffset) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{epoch:D10}-{baseOffset:D20}.log");

    /// <summary>Where compaction passes stage the segments they write. A blob here is live only while the manifest
    /// names it; any other is the garbage of a pass that did not finish (or of one whose output was compacted again).</summary>
    public string CompactedPrefix => Prefix + "compacted/";

    /// <summary>A segment written by compaction pass <paramref name="pass"/> of owner epoch <paramref name="epoch"/>,
    /// starting at <paramref name="baseOffset"/> (a pass never writes two segments with one base offset).</summary>
    public string CompactedSegment(long epoch, long baseOffset, string pass) =>
        string.Create(CultureInfo.InvariantCulture, $"{CompactedPrefix}{epoch:D10}-{baseOffset:D20}.{pass}.log");

    /// <summary>Parses the owner epoch and base offset out of the name of one of this partition's segment, index or time
    /// index blobs (compacted or not); false for any other name.</summary>
    public bool TryParseSegmentBlob(string name, out long epoch, out long baseOffset)
    {
        epoch = baseOffset = -1;
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)
            || !(name.EndsWith(".log", StringComparison.Ordinal) || name.EndsWith(".index", StringComparison.Ordinal) || name.EndsWith(".timeindex", StringComparison.Ordinal)))
        {
            return false;
        }

        // "{epoch:D10}-{baseOffset:D20}" then "." and the rest.
        var local = name.AsSpan(name.StartsWith(CompactedPrefix, StringComparison.Ordinal) ? CompactedPrefix.Length : Prefix.Length);
        return local.Length > 32 && local[10] == '-' && local[31] == '.'
            && long.TryParse(local[..10], NumberStyles.None, CultureInfo.InvariantCulture, out epoch)
            && long.TryParse(local[11..31], NumberStyles.None, CultureInfo.InvariantCulture, out baseOffset);
    }

    public static string OffsetIndexOf(string segmentName) => WithoutLogSuffix(segmentName) + ".index";

    public static string TimeIndexOf(string segmentName) => WithoutLogSuffix(segmentName) + ".timeindex";

    private static string? TopicPartitionName(string prefix)
    {
        const string Topics = "topics/";
        if (!prefix.StartsWith(Topics, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = prefix.AsSpan(Topics.Length, prefix.Length - Topics.Length - 1); // "orders/3"
        var slash = rest.LastIndexOf('/');
        return slash > 0 && int.TryParse(rest[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            ? string.Create(CultureInfo.InvariantCulture, $"{rest[..slash]}[{partition}]")
            : null;
    }

    private static string WithoutLogSuffix(string segmentName) =>
        segmentName.EndsWith(".log", StringComparison.Ordinal)
            ? segmentName[..^4]
            : throw new RunnelException(RunnelErrorCode.InvalidArgument, $"'{segmentName}' is not a segment name (it does not end in .log).");
}
