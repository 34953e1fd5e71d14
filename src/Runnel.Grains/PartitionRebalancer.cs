using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Clustering;
using Runnel.Grains.Internal;

namespace Runnel.Grains;

/// <summary>
/// Hands partitions over when silos join: placement runs only when a grain activates, so without this a new silo would
/// get partitions only as others deactivate. On every change of the cluster's active silos, each partition this silo
/// serves whose rendezvous owner is now another silo is asked to move (<see cref="IPartitionGrain.HandOverIfMovedAsync"/>):
/// it seals and releases its log and the next call activates it on its owner, which takes the log over. A join moves
/// ~1/N of the partitions; a leave moves only the leaver's (placement does that on their next call).
/// </summary>
internal sealed partial class PartitionRebalancer(
    IClusterMembershipService membership, ILocalSiloDetails silo, IGrainFactory grains, LocalPartitions partitions,
    IOptions<RunnelGrainsOptions> options, ILogger<PartitionRebalancer> logger) : BackgroundService
{
    private static readonly GrainType PartitionType = GrainType.Create("runnel.partition");

    /// <summary>How many hand-over rounds one join gets, a second apart (see <see cref="RebalanceAsync"/>).</summary>
    private const int MaxRounds = 30;

    private static readonly TimeSpan RoundInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RebalanceOnJoin)
        {
            return;
        }

        HashSet<SiloAddress>? previous = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken).ConfigureAwait(false))
            {
                var active = ActiveSilos(snapshot);
                if (!active.Contains(silo.SiloAddress) || (previous is not null && previous.SetEquals(active)))
                {
                    previous = active;
                    continue;
                }

                var joined = previous is null ? [] : active.Except(previous).ToList();
                previous = active;
                if (joined.Count > 0)
                {
                    await RebalanceAsync(active, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The silos a partition may be placed on: the active members of <paramref name="snapshot"/>.</summary>
    internal static HashSet<SiloAddress> ActiveSilos(ClusterMembershipSnapshot snapshot) =>
        snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();

    /// <summary>
    /// Hands over what the silos in <paramref name="active"/> now own, in rounds a second apart until nothing is left to
    /// move (at most <see cref="MaxRounds"/>): a joining silo's grain manifest reaches this silo's placement a little after
    /// its membership does, and until it has, a partition handed over is placed right back here. A newer membership
    /// change ends the rounds (the next snapshot is handled with its own).
    /// </summary>
    private async Task RebalanceAsync(HashSet<SiloAddress> active, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            if (round > 0)
            {
                await Task.Delay(RoundInterval, cancellationToken).ConfigureAwait(false);
            }

            if (!ActiveSilos(membership.CurrentSnapshot).SetEquals(active) || await HandOverAsync([.. active], cancellationToken).ConfigureAwait(false) == 0)
            {
                return;
            }
        }
    }

    /// <summary>Asks every local partition whose owner among <paramref name="active"/> is another silo to move; returns
    /// how many were asked.</summary>
    private async Task<int> HandOverAsync(SiloAddress[] active, CancellationToken cancellationToken)
    {
        var moving = partitions.Snapshot()
            .Where(key => !RendezvousHash.PickOwner(GrainId.Create(PartitionType, key), active).Equals(silo.SiloAddress))
            .ToList();
        if (moving.Count == 0)
        {
            return 0;
        }

        LogHandingOver(logger, moving.Count, active.Length);
        await Parallel.ForEachAsync(moving, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (key, ct) =>
        {
            try
            {
                var partition = grains.GetGrain<IPartitionGrain>(key);
                if (await partition.HandOverIfMovedAsync(ct).ConfigureAwait(false))
                {
                    // A migrated grain activates at its new silo only when a call reaches it: this one queues behind the
                    // hand-over and is forwarded there, so the partition is served again at once, not at its next produce.
                    await partition.GetOffsetsAsync(ct).ConfigureAwait(false);
                }
            }
            catch (RunnelException ex)
            {
                // The partition keeps serving where it is; the next membership change tries again.
                LogHandOverFailed(logger, key, ex.Code, ex.Message);
            }
        }).ConfigureAwait(false);
        return moving.Count;
    }

    [LoggerMessage(1, LogLevel.Information, "A silo joined: handing {Count} partitions over to their owners among {Silos} active silos")]
    private static partial void LogHandingOver(ILogger logger, int count, int silos);

    [LoggerMessage(2, LogLevel.Warning, "Partition {Partition} could not be handed over ({Code}): {Message}")]
    private static partial void LogHandOverFailed(ILogger logger, string partition, RunnelErrorCode code, string message);
}
