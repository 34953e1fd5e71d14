
namespace Runnel.Clustering.Internal;

/// <summary>Maps Orleans' membership types to the blob's records and back.</summary>
internal static class MembershipConversions
{
    public static MemberRecord ToRecord(MembershipEntry entry, string eTag) => new()
    {
        Silo = entry.SiloAddress.ToParsableString(),
        ETag = eTag,
        Status = (int)entry.Status,
        SuspectTimes = entry.SuspectTimes?.Select(vote => new SuspectRecord { Silo = vote.Item1.ToParsableString(), Time = AsUtc(vote.Item2) }).ToList(),
        ProxyPort = entry.ProxyPort,
        HostName = entry.HostName,
        SiloName = entry.SiloName,
        RoleName = entry.RoleName,
        UpdateZone = entry.UpdateZone,
        FaultZone = entry.FaultZone,
        StartTime = AsUtc(entry.StartTime),
        IAmAliveTime = AsUtc(entry.IAmAliveTime),
    };

    public static MembershipEntry ToEntry(MemberRecord record) => new()
    {
        SiloAddress = SiloAddress.FromParsableString(record.Silo),
        Status = (SiloStatus)record.Status,
        SuspectTimes = record.SuspectTimes?.Select(vote => Tuple.Create(SiloAddress.FromParsableString(vote.Silo), AsUtc(vote.Time))).ToList(),
        ProxyPort = record.ProxyPort,
        HostName = record.HostName,
        SiloName = record.SiloName,
        RoleName = record.RoleName,
        UpdateZone = record.UpdateZone,
        FaultZone = record.FaultZone,
        StartTime = AsUtc(record.StartTime),
        IAmAliveTime = AsUtc(record.IAmAliveTime),
    };

    public static TableVersion ToTableVersion(MembershipDocument document) => new(document.Version, document.VersionETag);

    /// <summary>The whole table as Orleans reads it: every row with its etag, and the version, from one document.</summary>
    public static MembershipTableData ToTableData(MembershipDocument document) =>
        new(document.Members.Select(member => Tuple.Create(ToEntry(member), member.ETag)).ToList(), ToTableVersion(document));

    /// <summary>Orleans writes <see cref="DateTimeKind.Utc"/> or unspecified-but-UTC times; both are stored as UTC.</summary>
    private static DateTime AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
