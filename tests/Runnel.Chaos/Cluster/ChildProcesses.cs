using System.Diagnostics;

namespace Runnel.Chaos.Cluster;

/// <summary>
/// Every process the harness started and has not yet seen exit, so that whatever way the harness ends (normal end, an
/// exception, Ctrl-C, SIGTERM) it can kill them all: the harness never leaves a silo or Azurite behind.
/// </summary>
internal static class ChildProcesses
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<Process> Live = [];

    public static void Add(Process process)
    {
        lock (Gate)
        {
            Live.Add(process);
        }
    }

    public static void Remove(Process process)
    {
        lock (Gate)
        {
            Live.Remove(process);
        }
    }

    /// <summary>SIGCONT (a stopped process cannot die until continued for some kernels' accounting; harmless otherwise)
    /// then SIGKILL to each one still registered, and waits (bounded) for each to exit.</summary>
    public static void KillAll()
    {
        Process[] all;
        lock (Gate)
        {
            all = [.. Live];
            Live.Clear();
        }

        foreach (var process in all)
        {
            try
            {
                if (!process.HasExited)
                {
                    Signals.Send(process.Id, Signals.Continue);
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5_000);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // Already gone.
            }
        }
    }
}
