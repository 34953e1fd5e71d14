using Microsoft.Extensions.Hosting;
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
    IClusterMembershipService membership, ILocalSiloDetails silo, IGrainFactory grains, GrainStateReader states, IOptions<RunnelGrainsOptions> options, TimeProvider time, ILogger<TransactionSweeper> logger) : BackgroundService
{
    private const int ReadParallelism = 16;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.TransactionSweepInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
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
                LogSweepFailed(logger, "the sweep", ex.Message);
            }
        }
    }

    /// <summary>One pass: every transactional id whose stored state needs its coordinator. Returns how many were asked.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var ids = (await states.ReadCatalogAsync(TransactionCatalogGrain.GrainTypeName).ConfigureAwait(false)).ToArray();
        var asked = 0;
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = cancellationToken },
            async (id, ct) =>
            {
                try
                {
                    var stored = await states.ReadTransactionAsync(id).ConfigureAwait(false);
                    if (stored is null || !TransactionCoordinatorGrain.NeedsAttention(stored, time.GetUtcNow()))
                    {
                        return;
                    }

                    Interlocked.Increment(ref asked);
                    var ended = await grains.GetGrain<ITransactionCoordinatorGrain>(id).ExpireAsync(ct).ConfigureAwait(false);
                    LogExpired(logger, id, stored.Status, ended);
                }
                catch (Exception ex) when (ex is RunnelException or Runnel.Storage.StorageException or TimeoutException or OrleansException)
                {
                    LogSweepFailed(logger, "transactional id " + id, ex.Message);
                }
            }).ConfigureAwait(false);
        return asked;
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction sweep: transactional id {TransactionalId} was {Status}; its coordinator ended it: {Ended}")]
    private static partial void LogExpired(ILogger logger, string transactionalId, TransactionStatus status, bool ended);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transaction sweep: {What} failed: {Reason} (tried again next sweep)")]
    private static partial void LogSweepFailed(ILogger logger, string what, string reason);
}
