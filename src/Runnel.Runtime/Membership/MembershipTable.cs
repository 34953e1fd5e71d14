using System.Text.Json.Serialization;

namespace Runnel.Runtime.Membership;

/// <summary>A death vote: who suspected the silo, and when on the STORE's clock (the ServerTime of the read the
/// voter decided on). Freshness is judged against later store times only, never against a silo's clock.</summary>
internal sealed record SuspectVote(string Voter, DateTimeOffset Time);

/// <summary>One silo's row in the membership table.</summary>
/// <param name="Silo">Its identity (endpoint and generation).</param>
/// <param name="Name">Its configured name (logs and admin views only).</param>
/// <param name="Status">Moves forward only (see <see cref="SiloStatus"/>).</param>
/// <param name="StartTime">When it joined, on the store's clock.</param>
/// <param name="Votes">Death votes against it (at most one per voter: a new vote replaces the voter's older one).</param>
/// <param name="Process">The OS process running it (null when not known: written by an older version, or not Linux);
/// lets a silo on the same host kill it once it is declared dead (<see cref="SiloProcessFence"/>).</param>
internal sealed record MembershipEntry(
    [property: JsonConverter(typeof(SiloAddressJsonConverter))] SiloAddress Silo,
    string Name,
    SiloStatus Status,
    DateTimeOffset StartTime,
    IReadOnlyList<SuspectVote> Votes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SiloProcessIdentity? Process = null)
{
    /// <summary>Joining, Active or ShuttingDown: a process that should be running.</summary>
    [JsonIgnore]
    public bool IsLive => Status is SiloStatus.Joining or SiloStatus.Active or SiloStatus.ShuttingDown;
}

/// <summary>
/// The membership table: the content of the blob <c>clusters/{cluster}/membership</c>. Changed only by read → pure
/// decision (<see cref="MembershipRules"/>) → If-Match write of <see cref="Version"/> + 1, so one version always names
/// one content, everywhere. Immutable.
/// </summary>
/// <remarks>
/// <code>
/// { "version": 7,
///   "members": [ { "silo": "127.0.0.1:11111@1767225600000", "name": "a", "status": "Active",
///                  "startTime": "2030-01-01T00:00:00+00:00",
///                  "votes": [ { "voter": "127.0.0.1:11112@1767225601000", "time": "..." } ] }, ... ] }
/// </code>
/// </remarks>
internal sealed record MembershipTable(long Version, IReadOnlyList<MembershipEntry> Members)
{
    /// <summary>The table before anyone joined.</summary>
    public static MembershipTable Empty { get; } = new(0, []);

    public MembershipEntry? Find(SiloAddress silo)
    {
        foreach (var member in Members)
        {
            if (member.Silo == silo)
            {
                return member;
            }
        }

        return null;
    }

    public SiloStatus StatusOf(SiloAddress silo) => Find(silo)?.Status ?? SiloStatus.None;
}
