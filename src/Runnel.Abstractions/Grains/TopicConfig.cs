using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Runnel.Grains;

/// <summary>
/// The topic config keys Runnel accepts — a subset of Kafka's, with Kafka's names, meanings and value syntax — their
/// defaults and their validation. Shared by the silo (which enforces it) and clients (which can check before calling).
/// Stateless and thread-safe.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>key</term><description>values; default; status</description></listheader>
/// <item><term><c>retention.ms</c></term><description>-1 (forever) or a positive number of ms; 604800000 (7 days);
/// enforced by whole sealed segments (a segment goes once its newest record is older), every
/// <c>RunnelGrainsOptions.RetentionCheckInterval</c> (by the partition while it is active, else by the silos' retention
/// sweep, which wakes it), under the <c>delete</c> policy.</description></item>
/// <item><term><c>retention.bytes</c></term><description>-1 (no limit) or a positive byte count per partition; -1;
/// enforced the same way (the oldest sealed segments go while the partition would still hold this much without them).</description></item>
/// <item><term><c>segment.bytes</c></term><description>1024 to 2147483647; 134217728 (128 MiB: smaller than Kafka's
/// 1 GiB so that a takeover scans less and retention frees space in finer steps); read when a partition activates.</description></item>
/// <item><term><c>max.message.bytes</c></term><description>64 to 4194304 (a batch is one append block, at most 4 MiB);
/// 1048588 (Kafka's); enforced on every produce.</description></item>
/// <item><term><c>cleanup.policy</c></term><description><c>delete</c>, <c>compact</c> or both, comma-separated;
/// <c>delete</c>; retention applies only with <c>delete</c>; with <c>compact</c> the partition compacts its sealed
/// segments (each key's latest record kept at its offset) on its retention timer once the dirty ratio is reached, and
/// on demand (<c>runnel topics compact</c>).</description></item>
/// <item><term><c>min.cleanable.dirty.ratio</c></term><description>a number from 0 to 1; 0.5; a compaction pass runs
/// when the sealed bytes not yet compacted are at least this share of the compactable bytes.</description></item>
/// <item><term><c>delete.retention.ms</c></term><description>0 or more ms; 86400000 (1 day); how long after its
/// timestamp compaction keeps a tombstone (a null value) that is its key's latest record.</description></item>
/// <item><term><c>min.compaction.lag.ms</c></term><description>0 or more ms; 0; a sealed segment is compacted only
/// once its newest record is at least this old.</description></item>
/// <item><term><c>compression.type</c></term><description><c>producer</c>, <c>none</c>, <c>gzip</c>, <c>snappy</c>,
/// <c>lz4</c>, <c>zstd</c>; <c>producer</c> (batches are stored as the producer compressed them).</description></item>
/// <item><term><c>message.timestamp.type</c></term><description><c>CreateTime</c> or <c>LogAppendTime</c>;
/// <c>CreateTime</c>.</description></item>
/// </list>
/// Any other key is an error (<see cref="RunnelErrorCode.InvalidConfig"/>), as is a value of the wrong type or range;
/// the message names the key and the value.
/// </remarks>
public static class TopicConfig
{
    public const string RetentionMs = "retention.ms";
    public const string RetentionBytes = "retention.bytes";
    public const string SegmentBytes = "segment.bytes";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string CleanupPolicy = "cleanup.policy";
    public const string CompressionType = "compression.type";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string MinCleanableDirtyRatio = "min.cleanable.dirty.ratio";
    public const string DeleteRetentionMs = "delete.retention.ms";
    public const string MinCompactionLagMs = "min.compaction.lag.ms";

    /// <summary>The smallest segment.bytes: the partition log's own minimum.</summary>
    public const int MinSegmentBytes = 1024;

    /// <summary>The smallest max.message.bytes: a record batch header alone is 61 bytes.</summary>
    public const int MinMaxMessageBytes = 64;

    /// <summary>The largest max.message.bytes: 64 MiB + 64 KiB, room for one 64 MiB record (Runnel.Log's
    /// RecordBatch.MaxBatchBytes; a batch over Azure's 4 MiB append block is written as several).</summary>
    public const int MaxMaxMessageBytes = (64 * 1024 * 1024) + (64 * 1024);

    private static readonly FrozenDictionary<string, Entry> Entries = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        [RetentionMs] = new("604800000", v => Int64(v, -1, long.MaxValue, allowZero: false)),
        [RetentionBytes] = new("-1", v => Int64(v, -1, long.MaxValue, allowZero: false)),
        [SegmentBytes] = new("134217728", v => Int64(v, MinSegmentBytes, int.MaxValue, allowZero: false)),
        [MaxMessageBytes] = new("1048588", v => Int64(v, MinMaxMessageBytes, MaxMaxMessageBytes, allowZero: false)),
        [CleanupPolicy] = new("delete", CleanupPolicyRule),
        [CompressionType] = new("producer", v => OneOf(v, "producer", "none", "gzip", "snappy", "lz4", "zstd")),
        [MessageTimestampType] = new("CreateTime", v => OneOf(v, "CreateTime", "LogAppendTime")),
        [MinCleanableDirtyRatio] = new("0.5", Ratio),
        [DeleteRetentionMs] = new("86400000", v => Int64(v, 0, long.MaxValue, allowZero: true)),
        [MinCompactionLagMs] = new("0", v => Int64(v, 0, long.MaxValue, allowZero: true)),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> DefaultValues =
        Entries.ToFrozenDictionary(e => e.Key, e => e.Value.Default, StringComparer.Ordinal);

    /// <summary>Every accepted key, ordinal order.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. Entries.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Every key's default value.</summary>
    public static IReadOnlyDictionary<string, string> Defaults => DefaultValues;

    /// <summary>True when <paramref name="key"/> is accepted and <paramref name="value"/> is valid for it; otherwise
    /// <paramref name="error"/> names the key and what is wrong.</summary>
    public static bool TryValidate(string key, string? value, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Entries.TryGetValue(key, out var entry))
        {
            error = $"Unknown topic config '{key}'; the known keys are {string.Join(", ", Keys)}.";
            return false;
        }

        if (value is null)
        {
            error = $"Topic config '{key}' has no value.";
            return false;
        }

        var problem = entry.Check(value);
        error = problem is null ? null : $"Topic config '{key}' = '{value}' is not valid: {problem}.";
        return error is null;
    }

    /// <summary>Checks every override; throws <see cref="RunnelException"/> (<see cref="RunnelErrorCode.InvalidConfig"/>)
    /// naming the first bad key (in ordinal order). Null or empty is valid (no overrides).</summary>
    public static void Validate(IReadOnlyDictionary<string, string>? overrides)
    {
        if (overrides is null)
        {
            return;
        }

        foreach (var key in overrides.Keys.Order(StringComparer.Ordinal))
        {
            if (!TryValidate(key, overrides[key], out var error))
            {
                throw new RunnelException(RunnelErrorCode.InvalidConfig, error);
            }
        }
    }

    /// <summary>Checks that <paramref name="key"/> is accepted (for removing an override); throws
    /// <see cref="RunnelException"/> (<see cref="RunnelErrorCode.InvalidConfig"/>) otherwise.</summary>
    public static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Entries.ContainsKey(key))
        {
            throw new RunnelException(RunnelErrorCode.InvalidConfig, $"Unknown topic config '{key}'; the known keys are {string.Join(", ", Keys)}.");
        }
    }

    /// <summary>The defaults with <paramref name="overrides"/> applied, ordinal key order. Does not validate.</summary>
    public static IReadOnlyDictionary<string, string> Effective(IReadOnlyDictionary<string, string>? overrides)
    {
        var effective = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in DefaultValues)
        {
            effective[key] = value;
        }

        if (overrides is not null)
        {
            foreach (var (key, value) in overrides)
            {
                effective[key] = value;
            }
        }

        return effective;
    }

    /// <summary>Reads a numeric key from an effective config (as <see cref="Effective"/> returns).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidConfig"/>: missing or not a number.</exception>
    public static long GetInt64(IReadOnlyDictionary<string, string> effective, string key)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (effective.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw new RunnelException(RunnelErrorCode.InvalidConfig, $"Topic config '{key}' is missing or not a number.");
    }

    /// <summary>Reads a fractional key from an effective config (as <see cref="Effective"/> returns).</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidConfig"/>: missing or not a number.</exception>
    public static double GetDouble(IReadOnlyDictionary<string, string> effective, string key)
    {
        ArgumentNullException.ThrowIfNull(effective);
        if (effective.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw new RunnelException(RunnelErrorCode.InvalidConfig, $"Topic config '{key}' is missing or not a number.");
    }

    /// <summary>Whether an effective <c>cleanup.policy</c> names <paramref name="policy"/> (<c>delete</c> or <c>compact</c>).</summary>
    public static bool HasCleanupPolicy(IReadOnlyDictionary<string, string> effective, string policy)
    {
        ArgumentNullException.ThrowIfNull(effective);
        return effective.TryGetValue(CleanupPolicy, out var value)
            && value.Split(',', StringSplitOptions.TrimEntries).Contains(policy, StringComparer.Ordinal);
    }

    private static string? Ratio(string value) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? null
            : "expected a number from 0 to 1";

    private static string? Int64(string value, long min, long max, bool allowZero)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return "expected an integer";
        }

        if (number < min || number > max || (number == 0 && !allowZero))
        {
            return min == -1
                ? $"expected -1 or an integer from 1 to {max}"
                : max == long.MaxValue ? $"expected an integer of at least {min}" : $"expected an integer from {min} to {max}";
        }

        return null;
    }

    private static string? OneOf(string value, params string[] allowed) =>
        allowed.Contains(value, StringComparer.Ordinal) ? null : $"expected one of {string.Join(", ", allowed)}";

    private static string? CleanupPolicyRule(string value)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 2 || parts.Any(p => p is not ("delete" or "compact")) || parts.Distinct(StringComparer.Ordinal).Count() != parts.Length)
        {
            return "expected 'delete', 'compact' or 'compact,delete'";
        }

        return null;
    }

    private sealed record Entry(string Default, Func<string, string?> Check);
}
