using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runnel.Log;

/// <summary>
/// The root of a partition's state: which epoch owns it, its segments, where the log starts. Stored as JSON in the blob
/// <c>{prefix}manifest</c> and changed only by <c>If-Match</c> on its ETag, so every change is a compare-and-swap and
/// exactly one of two racing writers wins (the fence of DESIGN.md §4).
/// </summary>
/// <param name="Version">The format version of this document (1).</param>
/// <param name="Epoch">Bumped by every takeover; names the owner's segments.</param>
/// <param name="Owner">Who holds <paramref name="Epoch"/> (a silo identity), for operators.</param>
/// <param name="State">Recovering, Active or Released.</param>
/// <param name="LogStartOffset">The first offset still readable (retention moves it up, never down).</param>
/// <param name="Segments">Oldest first; at most the last one is unsealed (the active one).</param>
/// <param name="WriteId">A fresh id per write, so a writer whose response was lost can tell whether its write landed.</param>
public sealed record PartitionManifest(
    int Version,
    long Epoch,
    string Owner,
    PartitionState State,
    long LogStartOffset,
    IReadOnlyList<SegmentDescriptor> Segments,
    string WriteId)
{
    public const int CurrentVersion = 1;

    /// <summary>Kafka's cleaner checkpoint: every offset below it has been through a compaction pass (0 when none
    /// has). The bytes of sealed segments at and above it are the "dirty" part that
    /// <see cref="CompactionPolicy.MinCleanableDirtyRatio"/> weighs. Absent in manifests written before compaction
    /// existed, which then read as 0.</summary>
    public long FirstDirtyOffset { get; init; }

    /// <summary>The transaction bookkeeping as of the offset it names (every manifest write carries the owner's current
    /// one). Absent in manifests written before transactions existed: no transaction then.</summary>
    public TransactionSnapshot? Transactions { get; init; }

    /// <summary>The manifest of a partition that has never been opened.</summary>
    public static PartitionManifest Empty => new(CurrentVersion, 0, "", PartitionState.Released, 0, [], "");

    /// <summary>The offset the next appended record gets, as far as the sealed segments tell.</summary>
    public long NextOffsetFromSealed()
    {
        for (var i = Segments.Count - 1; i >= 0; i--)
        {
            if (Segments[i].LastOffset is { } last)
            {
                return last + 1;
            }
        }

        return LogStartOffset;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJsonContext.Default.PartitionManifest);

    /// <summary>Parses a manifest; throws <see cref="RunnelException"/> naming the blob when it is not one this build reads.</summary>
    public static PartitionManifest FromJson(ReadOnlySpan<byte> json, string blobName)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(json, ManifestJsonContext.Default.PartitionManifest)
                ?? throw new JsonException("null document");
            if (manifest.Version != CurrentVersion)
            {
                throw new RunnelException(RunnelErrorCode.Unknown, $"Manifest '{blobName}' has version {manifest.Version}; this build reads version {CurrentVersion}.");
            }

            return manifest;
        }
        catch (JsonException ex)
        {
            throw new RunnelException(RunnelErrorCode.Unknown, $"Manifest '{blobName}' is not valid: {ex.Message}", ex);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PartitionManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
