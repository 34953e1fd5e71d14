using System.Diagnostics;

namespace Runnel.Runtime.Membership;

/// <summary>
/// Fencing by killing: ends a silo process on this host that the cluster declared dead. A paused (or hung) silo is cut
/// off by the membership anyway, and exits on its own once it runs again and reads itself dead; killing it at once also
/// frees what the kernel holds for it meanwhile, such as the file store's blob locks (a stopped process holding one
/// blocks the new owner's takeover of that partition until it resumes). Thread-safe; stateless.
/// </summary>
/// <remarks>
/// A process is killed only when all of these hold, so that no other process is ever hit: this host has the recorded
/// boot id (same host, same boot), the same pid namespace, the pid is not this process, and the pid's start time still
/// equals the recorded one (a pid reused since then has a later start time). The check and the signal are separate
/// system calls; a pid could only be reused in between if the process exited and the pid space wrapped around within
/// microseconds.
/// </remarks>
internal static class SiloProcessFence
{
    /// <summary>What <see cref="TryKill"/> did.</summary>
    public enum Outcome
    {
        /// <summary>SIGKILL was sent to the recorded process.</summary>
        Killed,

        /// <summary>Another host or another boot (or this host cannot tell): never killed.</summary>
        OtherHost,

        /// <summary>The row names this very process (in-process test clusters): never killed.</summary>
        Self,

        /// <summary>No process with that pid and start time exists any more (exited, or the pid was reused).</summary>
        Gone,

        /// <summary>The process exists but this one may not signal it (another user).</summary>
        NotPermitted,
    }

    /// <summary>Sends SIGKILL to the process <paramref name="target"/> names when it runs on this host (see remarks).</summary>
    public static Outcome TryKill(SiloProcessIdentity target, SiloProcessIdentity? self)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (self is null || target.BootId != self.BootId || target.PidNamespace != self.PidNamespace)
        {
            return Outcome.OtherHost;
        }

        if (target.Pid == self.Pid)
        {
            return Outcome.Self;
        }

        if (SiloProcessIdentity.StartTicksOf(target.Pid) != target.StartTicks)
        {
            return Outcome.Gone;
        }

        try
        {
            using var process = Process.GetProcessById(target.Pid);
            process.Kill();
            return Outcome.Killed;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return Outcome.NotPermitted;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return Outcome.Gone;
        }
    }
}
