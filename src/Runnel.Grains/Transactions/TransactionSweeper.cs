using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Grains.Internal;

namespace Runnel.Grains;

/// <summary>
/// Times out transactions whose coordinator is not active: a coordinator's own timer aborts its open transaction at the
/// deadline, but only while it is activated; when its silo dies the grain is not reactivated until something calls it.
/// Every <see cref="RunnelGrainsOptions.TransactionSweepInterval"/>, one silo of the cluster (the first active silo in
/// address order, as <see cref="RetentionSweeper"/>) reads the transaction catalog and each transactional id's stored
/// state, and calls <see cref="ITransactionCoordinatorGrain.ExpireAsync"/> on those with a transaction past its timeout
/// or decided but not completed (which activates the coordinator; its activation finishes the markers).
/// </summary>
/// <remarks>Cost per pass: one read of the catalog and one per transactional id, 16 at a time; grain calls only for
/// the ids that need one. Failures are logged and the next pass tries again; nothing it meets stops the silo.</remarks>
internal sealed partial class TransactionSweeper(
    IClusterMembershipService membership, ILocalSiloDetails silo, IGrainFactory grains, GrainStateReader states, IOptions<RunnelGrainsOptions> options, TimeProvider time, ILogger<TransactionSweeper> logger)
    : ClusterSweeper(membership, silo, time, logger)
{
    private const int ReadParallelism = 16;

    protected override TimeSpan Interval => options.Value.TransactionSweepInterval;

    protected override string SweepName => "Transaction sweep";

    /// <summary>One pass: every transactional id whose stored state needs its coordinator.</summary>
    protected override async Task SweepAsync(CancellationToken cancellationToken)
    {
        var ids = (await states.ReadCatalogAsync(TransactionCatalogGrain.GrainTypeName).ConfigureAwait(false)).ToArray();
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                try
                {
                    var stored = await states.ReadTransactionAsync(id).ConfigureAwait(false);
                    if (stored is null || !TransactionCoordinatorGrain.NeedsAttention(stored, Time.GetUtcNow()))
                    {
                        return;
                    }

                    var ended = await grains.GetGrain<ITransactionCoordinatorGrain>(id).ExpireAsync(ct).ConfigureAwait(false);
                    LogExpired(Logger, id, stored.Status, ended);
                }
                catch (Exception ex) when (ex is RunnelException or Runnel.Storage.StorageException or TimeoutException or OrleansException)
                {
                    LogSweepFailed("transactional id " + id, ex.Message);
                }
            }).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction sweep: transactional id {TransactionalId} was {Status}; its coordinator ended it: {Ended}")]
    private static partial void LogExpired(ILogger logger, string transactionalId, TransactionStatus status, bool ended);
}
