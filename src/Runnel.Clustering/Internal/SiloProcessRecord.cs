using System.Globalization;
using System.Text;

namespace Runnel.Clustering.Internal;

/// <summary>
/// Which OS process runs a silo: written by the silo when it starts, to <c>{BlobPrefix}/{clusterId}/processes/{siloName}</c>
/// (one blob per silo name, overwritten by each new process of that name), read by a sibling that has just seen the
/// silo declared dead (<see cref="SameHostSiloKiller"/>).
/// </summary>
/// <remarks>
/// The blob is four lines of ASCII text:
/// <code>
///   runnel-silo-process 1                      format and version
///   S127.0.0.1:11111:155650732                 the silo's address (Orleans' parsable form, generation included)
///   8f3c2a4e-6d1b-4f0e-9a7c-2b5d8e1f3a90       its host's boot id mixed with its pid namespace (SameHostSiloKiller.ProcessSpace)
///   4242 1234567                               its pid, and the pid's start time (clock ticks since boot, /proc/pid/stat)
/// </code>
/// The boot id says "same host, same boot, same pid namespace"; the start time says "this pid is still that process"
/// (pids are reused).
/// </remarks>
internal sealed record SiloProcessRecord(string Silo, Guid BootId, int ProcessId, long StartTime)
{
    private const string Header = "runnel-silo-process 1";

    public byte[] ToBytes() => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{Header}\n{Silo}\n{BootId:D}\n{ProcessId} {StartTime}\n"));

    /// <summary>Parses what <see cref="ToBytes"/> wrote; null when <paramref name="content"/> is anything else.</summary>
    public static SiloProcessRecord? TryParse(ReadOnlySpan<byte> content)
    {
        var lines = Encoding.ASCII.GetString(content).Split('\n');
        if (lines.Length < 4 || lines[0] != Header || !Guid.TryParse(lines[2], out var bootId))
        {
            return null;
        }

        var process = lines[3].Split(' ');
        return process.Length == 2
            && int.TryParse(process[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(process[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new SiloProcessRecord(lines[1], bootId, pid, start)
            : null;
    }

    /// <summary>The start time of process <paramref name="pid"/> (field 22 of <c>/proc/{pid}/stat</c>, clock ticks since
    /// boot), or null when there is no such process or no <c>/proc</c>.</summary>
    public static long? ReadStartTime(int pid)
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

        // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: fields resume after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeField = 22 - 3; // field 3 (state) is the first after ')'
        return fields.Length > StartTimeField && long.TryParse(fields[StartTimeField], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? start
            : null;
    }
}
