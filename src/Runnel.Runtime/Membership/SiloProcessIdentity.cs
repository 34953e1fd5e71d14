using System.Globalization;
using Runnel.Storage;

namespace Runnel.Runtime.Membership;

/// <summary>
/// Which operating-system process runs a silo, recorded in its membership row so that a silo on the same host can
/// fence it by killing it once it is declared dead (see <see cref="MembershipOptions.KillDeadSilosOnSameHost"/>).
/// Linux only (read from <c>/proc</c>); elsewhere a silo records none and is never killed.
/// </summary>
/// <param name="BootId">The kernel's boot id (<c>/proc/sys/kernel/random/boot_id</c>): the same only on the same host
/// since the same boot.</param>
/// <param name="PidNamespace">The process's pid namespace (<c>/proc/self/ns/pid</c>, e.g. <c>pid:[4026531836]</c>):
/// containers on one host share the boot id but not the pid numbers.</param>
/// <param name="Pid">The process id.</param>
/// <param name="StartTicks">The process's start time in clock ticks since boot (<c>/proc/PID/stat</c>, field 22): a pid
/// reused by a later process has a later start time, so it is never mistaken for this one.</param>
internal sealed record SiloProcessIdentity(string BootId, string PidNamespace, int Pid, long StartTicks)
{
    private static readonly Lazy<SiloProcessIdentity?> Self = new(() => Read(Environment.ProcessId));

    /// <summary>This process's identity, or null when /proc cannot tell it (not Linux).</summary>
    public static SiloProcessIdentity? Current => Self.Value;

    /// <summary>The identity of process <paramref name="pid"/> as seen from this process (its boot id and pid namespace
    /// are this process's: a pid only names a process within one namespace), or null when there is no such process or
    /// /proc cannot tell.</summary>
    public static SiloProcessIdentity? Read(int pid)
    {
        try
        {
            var bootId = HostBootId.Current?.ToString("D") ?? "";
            var pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget ?? "";
            return StartTicksOf(pid) is { } start && bootId.Length > 0 && pidNamespace.Length > 0
                ? new SiloProcessIdentity(bootId, pidNamespace, pid, start)
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Field 22 of <c>/proc/PID/stat</c> (start time in clock ticks since boot), or null when the process does
    /// not exist. The command name (field 2) is in parentheses and may hold spaces: fields are counted after the last
    /// ')'.</summary>
    public static long? StartTicksOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // After ')' come field 3 (state) onwards: field 22 is at index 19.
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }
}
