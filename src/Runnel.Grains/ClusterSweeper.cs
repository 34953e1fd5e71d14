using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Runnel.Grains;

/// <summary>
/// A background pass that one silo of the cluster runs every <see cref="Interval"/>: the first of the active silos in
/// address order, so the work is not repeated by every silo and moves on when that silo leaves. The pass itself is
/// <see cref="SweepAsync"/>; a pass that fails is logged and the next one tries again. Nothing it meets stops the silo.
/// </summary>
internal abstract partial class ClusterSweeper(IClusterMembershipService membership, ILocalSiloDetails silo, TimeProvider time, ILogger logger)
    : BackgroundService
{
    /// <summary>How long between passes.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>What the log calls this sweep ("Retention sweep", "Transaction sweep").</summary>
    protected abstract string SweepName { get; }

    /// <summary>The logger of the concrete sweeper.</summary>
    protected ILogger Logger => logger;

    /// <summary>The clock passes are timed on.</summary>
    protected TimeProvider Time => time;

    /// <summary>One pass. Failures of single items are the pass's to log (with <see cref="LogSweepFailed"/>) and skip.</summary>
    protected abstract Task SweepAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (IsSweeper())
                {
                    await SweepAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A background sweep never takes the silo down: the next one tries again.
                LogSweepFailed("the sweep", ex.Message);
            }
        }
    }

    /// <summary>Logs that <paramref name="what"/> failed in this pass (it is tried again next pass).</summary>
    protected void LogSweepFailed(string what, string reason) => LogFailed(logger, SweepName, what, reason);

    /// <summary>Whether this silo is the one that sweeps: active, and first of the active silos in address order.</summary>
    private bool IsSweeper()
    {
        var members = membership.CurrentSnapshot.Members;
        if (!members.TryGetValue(silo.SiloAddress, out var self) || self.Status != SiloStatus.Active)
        {
            return false;
        }

        var first = members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToString()).Order(StringComparer.Ordinal).FirstOrDefault();
        return first == silo.SiloAddress.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Sweep}: {What} failed: {Reason} (tried again next sweep)")]
    private static partial void LogFailed(ILogger logger, string sweep, string what, string reason);
}
