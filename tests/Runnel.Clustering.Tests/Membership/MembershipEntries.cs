using System.Net;

namespace Runnel.Clustering.Tests.Membership;

/// <summary>Membership entries for table tests: distinct silos on 127.0.0.1, times at whole seconds.</summary>
internal static class MembershipEntries
{
    private static int _nextPort = 20_000;

    public static SiloAddress NewSilo(int generation = 1) =>
        SiloAddress.New(IPAddress.Loopback, Interlocked.Increment(ref _nextPort), generation);

    public static MembershipEntry New(SiloStatus status = SiloStatus.Joining, DateTime? now = null)
    {
        var silo = NewSilo();
        var time = now ?? WholeSeconds(DateTime.UtcNow);
        return new MembershipEntry
        {
            SiloAddress = silo,
            Status = status,
            ProxyPort = silo.Endpoint.Port + 1,
            HostName = "host-a",
            SiloName = "silo-" + silo.Endpoint.Port,
            RoleName = "role",
            UpdateZone = 1,
            FaultZone = 2,
            StartTime = time,
            IAmAliveTime = time,
            SuspectTimes = [Tuple.Create(NewSilo(), time.AddSeconds(1)), Tuple.Create(NewSilo(), time.AddSeconds(2))],
        };
    }

    public static DateTime WholeSeconds(DateTime time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
