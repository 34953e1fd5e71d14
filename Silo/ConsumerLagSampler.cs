using Microsoft.Extensions.Options;
using Runnel.Silo.Dashboard;

namespace Runnel.Silo;

/// <summary>
/// Every <see cref="SiloHostOptions.LagSampleInterval"/>, on the reporting silo only (the oldest active member of the
/// cluster, so each group is exported once however many silos run), samples every consumer group's lag through the
/// dashboard's <see cref="ClusterSnapshotSource"/> and hands it to <see cref="ConsumerLagInstruments"/>. When the silo
/// stops being the reporter (an older one joined back), it clears its sample. A failed sample is logged and the
/// previous one kept until the next.
/// </summary>
internal sealed partial class ConsumerLagSampler(
    ClusterSnapshotSource snapshots,
    ConsumerLagInstruments instruments,
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    IOptions<SiloHostOptions> options,
    TimeProvider time,
    ILogger<ConsumerLagSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LagSampleInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await SampleAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        if (!IsReporter(membership.CurrentSnapshot, local.SiloAddress))
        {
            instruments.Publish([]);
            return;
        }

        try
        {
            var snapshot = await snapshots.GetAsync(cancellationToken).ConfigureAwait(false);
            instruments.Publish(snapshot.Groups);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever failed, the silo keeps serving: an exception escaping a BackgroundService would stop the host.
            LogSampleFailed(logger, ex);
        }
    }

    /// <summary>Whether <paramref name="self"/> is the oldest active silo (lowest generation, then address): every silo
    /// computes the same answer from the same membership view.</summary>
    internal static bool IsReporter(ClusterMembershipSnapshot snapshot, SiloAddress self)
    {
        var oldest = snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .OrderBy(a => a.Generation)
            .ThenBy(a => a.ToString(), StringComparer.Ordinal)
            .FirstOrDefault();
        return oldest is not null && oldest.Equals(self);
    }

    [LoggerMessage(1, LogLevel.Warning, "Consumer lag sample failed (the previous sample stays until the next)")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
