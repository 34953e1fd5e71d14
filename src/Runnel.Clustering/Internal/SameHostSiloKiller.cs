using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Runnel.Storage;

namespace Runnel.Clustering.Internal;

/// <summary>
/// Kills (SIGKILL) the process of a silo the cluster has declared dead when it runs on this host, so a hung silo
/// (SIGSTOPped, stalled) stops at once instead of when it next runs and reads its death. Until then it holds what a
/// hung process holds: its gateway connections (clients' calls routed through it wait, unanswered), its sockets to the
/// other silos, and on the file store its blob locks (a partition it was appending to cannot be taken over). Killing it
/// fences nothing the storage does not already fence (the log's manifest epoch and segment seal do that); it ends the
/// wait. Same host only: another host's process cannot be reached, and the storage fence alone covers it.
/// </summary>
/// <remarks>
/// On start each silo writes a <see cref="SiloProcessRecord"/> (its address, host boot id, pid, pid start time), and a
/// graceful shutdown removes it first thing (the silo marks itself Dead at the end of it). When a silo turns Dead in the
/// membership view, every sibling reads that silo's record and kills the pid if the boot id is
/// its own, the pid is not its own, and the pid still has the recorded start time (so a reused pid is never killed).
/// A silo declared dead by mistake (alive but slow) loses nothing more: Orleans makes it end itself when it reads
/// its death. Linux only (boot id and start time come from <c>/proc</c>); elsewhere it does nothing.
/// </remarks>
internal sealed partial class SameHostSiloKiller(
    IObjectStore store,
    ILocalSiloDetails localSilo,
    IClusterMembershipService membership,
    IOptions<ClusterOptions> clusterOptions,
    IOptions<RunnelClusteringOptions> options,
    ILogger<SameHostSiloKiller> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    /// <summary>How long a graceful shutdown waits to remove this silo's process record before going on without.</summary>
    private static readonly TimeSpan LeavingTimeout = TimeSpan.FromSeconds(5);

    private readonly HashSet<SiloAddress> _seenDead = [];
    private Task? _watch;
    private bool _recorded;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);

        // Before the silo becomes Active: from the moment it can be voted dead, its siblings can find its process.
        lifecycle.Subscribe(nameof(SameHostSiloKiller), ServiceLifecycleStage.ApplicationServices, StartAsync, StopAsync);

        // A silo that stops gracefully marks itself Dead too, near the end of its shutdown: its record goes first thing
        // (stages stop in reverse order, Last first), so no sibling kills a shutdown that is under way.
        lifecycle.Subscribe(nameof(SameHostSiloKiller) + ".Leaving", ServiceLifecycleStage.Last, _ => Task.CompletedTask, LeavingAsync);
    }

    private async Task LeavingAsync(CancellationToken cancellationToken)
    {
        if (!_recorded)
        {
            return;
        }

        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(LeavingTimeout);
            await store.DeleteAsync(BlobName(localSilo.Name), cancellationToken: bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            // Not fatal: the shutdown goes on, and a sibling may kill it once it is marked Dead (the storage fences either way).
            LogRecordNotRemoved(logger, ex.Message);
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (ProcessSpace() is not { } bootId || SiloProcessRecord.ReadStartTime(Environment.ProcessId) is not { } startTime)
        {
            LogUnsupported(logger);
            return;
        }

        var record = new SiloProcessRecord(localSilo.SiloAddress.ToParsableString(), bootId, Environment.ProcessId, startTime);
        await store.PutAsync(BlobName(localSilo.Name), record.ToBytes(), cancellationToken: cancellationToken).ConfigureAwait(false);
        _recorded = true;
        _watch = Task.Run(() => WatchAsync(bootId, _stopping.Token), CancellationToken.None);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watch is { } watch)
        {
            await watch.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task WatchAsync(Guid bootId, CancellationToken stopping)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping).ConfigureAwait(false))
            {
                foreach (var member in snapshot.Members.Values)
                {
                    if (member.Status == SiloStatus.Dead && !member.SiloAddress.Equals(localSilo.SiloAddress) && _seenDead.Add(member.SiloAddress))
                    {
                        try
                        {
                            await KillIfHereAsync(member, bootId, stopping).ConfigureAwait(false);
                        }
#pragma warning disable CA1031 // one silo's record failing to read or parse must not end the watch for the others
                        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
#pragma warning restore CA1031
                        {
                            LogRecordUnreadable(logger, member.SiloAddress, ex.Message);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task KillIfHereAsync(ClusterMember member, Guid bootId, CancellationToken stopping)
    {
        if (string.IsNullOrEmpty(member.Name))
        {
            return;
        }

        SiloProcessRecord? record;
        try
        {
            var content = await store.GetAsync(BlobName(member.Name), cancellationToken: stopping).ConfigureAwait(false);
            record = SiloProcessRecord.TryParse(content.Content.Span);
        }
        catch (BlobNotFoundException)
        {
            return;
        }
        catch (StorageException ex)
        {
            LogRecordUnreadable(logger, member.SiloAddress, ex.Message);
            return;
        }

        if (record is null
            || record.Silo != member.SiloAddress.ToParsableString()
            || record.BootId != bootId
            || record.ProcessId == Environment.ProcessId
            || SiloProcessRecord.ReadStartTime(record.ProcessId) != record.StartTime)
        {
            return; // another host, an older process of that name, or one already gone
        }

        try
        {
            using var process = Process.GetProcessById(record.ProcessId);
            process.Kill();
            LogKilled(logger, member.SiloAddress, member.Name, record.ProcessId);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            LogKillFailed(logger, member.SiloAddress, record.ProcessId, ex.Message); // gone meanwhile, or not ours to kill
        }
    }

    /// <summary>Where this process's pid means this process: the host's boot id mixed with its pid namespace
    /// (<c>/proc/self/ns/pid</c>). Containers on one host share the boot id but not their pid namespaces, and a pid from
    /// another namespace names some other process here; null where either is not published.</summary>
    internal static Guid? ProcessSpace()
    {
        if (HostBootId.Current is not { } boot)
        {
            return null;
        }

        string? pidNamespace;
        try
        {
            pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return string.IsNullOrEmpty(pidNamespace) ? null : Mix(boot, pidNamespace);
    }

    /// <summary><paramref name="boot"/> mixed with a hash of <paramref name="pidNamespace"/> (e.g. <c>pid:[4026531836]</c>).</summary>
    internal static Guid Mix(Guid boot, string pidNamespace)
    {
        Span<byte> bytes = stackalloc byte[16];
        boot.TryWriteBytes(bytes);
        var hash = System.IO.Hashing.XxHash128.Hash(System.Text.Encoding.UTF8.GetBytes(pidNamespace));
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= hash[i];
        }

        return new Guid(bytes);
    }

    private string BlobName(string siloName) =>
        $"{options.Value.BlobPrefix}/{clusterOptions.Value.ClusterId}/processes/{siloName}";

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(2101, LogLevel.Warning, "Killed silo {Silo} ({Name}, pid {ProcessId}) on this host: the cluster declared it dead, and a hung process holds its connections and locks until it runs again")]
    private static partial void LogKilled(ILogger logger, SiloAddress silo, string name, int processId);

    [LoggerMessage(2102, LogLevel.Information, "Could not kill dead silo {Silo} (pid {ProcessId}): {Message}")]
    private static partial void LogKillFailed(ILogger logger, SiloAddress silo, int processId, string message);

    [LoggerMessage(2103, LogLevel.Warning, "Could not read the process record of dead silo {Silo}; it is left running: {Message}")]
    private static partial void LogRecordUnreadable(ILogger logger, SiloAddress silo, string message);

    [LoggerMessage(2105, LogLevel.Warning, "Could not remove this silo's process record before shutting down (a sibling may kill the rest of the shutdown): {Message}")]
    private static partial void LogRecordNotRemoved(ILogger logger, string message);

    [LoggerMessage(2104, LogLevel.Information, "Dead silos on this host are not killed: the OS publishes no boot id or process start time (/proc)")]
    private static partial void LogUnsupported(ILogger logger);
}
