using System.Text.Json.Serialization;

namespace Runnel.Clustering.Internal;

/// <summary>
/// The whole membership table of one cluster, stored as one JSON blob (<c>{prefix}/{clusterId}/membership</c>) and
/// replaced only by a conditional write on the blob's ETag, so that every change is atomic with the read it was
/// decided on.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "format": 1,                       // bumped on an incompatible change; readers refuse a newer format
///   "epoch": "5f0c9a1e",               // random, fixed when the blob is created: makes etags unique per incarnation
///   "version": 7,                      // Orleans' TableVersion.Version, as given by the last Insert/UpdateRow
///   "versionETag": "5f0c9a1e-12",      // Orleans' TableVersion.VersionEtag; changes with every Insert/UpdateRow
///   "nextETag": 13,                    // counter the etags above are drawn from
///   "members": [ { "silo": "S127.0.0.1:11111:4711", "eTag": "5f0c9a1e-11", "status": 3, ... } ]
/// }
/// </code>
/// The blob's own ETag is not Orleans' version etag: <c>UpdateIAmAlive</c> rewrites the blob (new blob ETag) but
/// leaves <c>versionETag</c> and the row etags alone, so a heartbeat never fails a concurrent membership change.
/// </remarks>
internal sealed class MembershipDocument
{
    /// <summary>The format this code writes and the newest it reads.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The version etag of a table whose blob does not exist yet (see <see cref="Empty"/>).</summary>
    public const string AbsentVersionETag = "0";

    [JsonPropertyName("format")]
    public int Format { get; set; } = CurrentFormat;

    [JsonPropertyName("epoch")]
    public string Epoch { get; set; } = "";

    [JsonPropertyName("version")]
    public int Version { get; set; }

    [JsonPropertyName("versionETag")]
    public string VersionETag { get; set; } = AbsentVersionETag;

    [JsonPropertyName("nextETag")]
    public long NextETag { get; set; }

    [JsonPropertyName("members")]
    public List<MemberRecord> Members { get; set; } = [];

    /// <summary>The table as it reads before its blob exists: no members, version 0, version etag "0". Writing it
    /// back (with <c>If-None-Match: *</c>) gives it a fresh random epoch.</summary>
    public static MembershipDocument Empty() => new() { Epoch = NewEpoch() };

    /// <summary>Draws a new etag, unique within this blob's incarnation (epoch) and never reused.</summary>
    public string NewETag() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Epoch}-{NextETag++}");

    public MemberRecord? Find(string silo)
    {
        foreach (var member in Members)
        {
            if (string.Equals(member.Silo, silo, StringComparison.Ordinal))
            {
                return member;
            }
        }

        return null;
    }

    private static string NewEpoch() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));
}
