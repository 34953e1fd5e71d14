using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Grains.Internal;
using Runnel.Log;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// Enforces retention on partitions nobody uses: an active partition deletes its expired segments on its own timer, but
/// an idle one is deactivated and would keep them until something woke it. Every
/// <see cref="RunnelGrainsOptions.RetentionCheckInterval"/>, one silo of the cluster (the first of the active silos in
/// address order, so the sweep is not repeated by every silo) walks every topic under <c>cleanup.policy=delete</c> with
/// a retention limit, reads each partition's manifest and, where a sealed segment has expired, calls that partition's
/// <see cref="IPartitionGrain.EnforceRetentionAsync"/> (waking it; it goes idle again afterwards).
/// </summary>
/// <remarks>Failures are logged and the sweep goes on with the next partition; the next sweep tries again. Nothing it
/// meets stops the silo.</remarks>
internal sealed partial class RetentionSweeper(
    IClusterMembershipService membership, ILocalSiloDetails silo, IGrainFactory grains, IObjectStore store, GrainStateReader states, IOptions<RunnelGrainsOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger)
    : ClusterSweeper(membership, silo, time, logger)
{
    protected override TimeSpan Interval => options.Value.RetentionCheckInterval;

    protected override string SweepName => "Retention sweep";

    /// <summary>One pass over every topic's partitions.</summary>
    protected override async Task SweepAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> topics;
        try
        {
            topics = await grains.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey).ListTopicsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RunnelException ex)
        {
            LogSweepFailed("listing topics", ex.Message);
            return;
        }

        foreach (var topic in topics)
        {
            try
            {
                var meta = await states.ReadTopicAsync(topic, cancellationToken).ConfigureAwait(false);
                var policy = meta is { IsActive: true } ? meta.Retention() : RetentionPolicy.KeepAll;
                if (meta is null || policy == RetentionPolicy.KeepAll)
                {
                    continue; // gone, being deleted, or nothing to enforce
                }

                for (var partition = 0; partition < meta.PartitionCount; partition++)
                {
                    var paths = PartitionPaths.ForTopicPartition(topic, partition);
                    if (await PartitionLog.IsRetentionDueAsync(store, paths, policy, Time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
                    {
                        var count = await grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition))
                            .EnforceRetentionAsync(cancellationToken).ConfigureAwait(false);
                        LogSwept(Logger, topic, partition, count);
                    }
                }
            }
            catch (Exception ex) when (ex is RunnelException or StorageException)
            {
                LogSweepFailed("topic " + topic, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention sweep: partition {Topic}-{Partition} had expired segments; {Count} deleted")]
    private static partial void LogSwept(ILogger logger, string topic, int partition, int count);
}
