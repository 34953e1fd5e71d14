using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Runnel.Grains.Internal;
using Runnel.Grains.State;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// Hands out producer ids (<see cref="IProducerIdGrain"/>) from blocks reserved by compare-and-swap on its grain state
/// (<see cref="ProducerIdGrainState"/> in grain storage <c>runnel</c>; <see cref="RunnelGrainsOptions.ProducerIdBlockSize"/>
/// at a time). A block is reserved before any of its ids is handed out, and the state is written only under the ETag
/// this activation last read (a stale activation is refused, re-reads and reserves the next block), so no id is ever
/// given twice — across deactivations, restarts, silos and two activations racing; ids left in a block when the
/// activation ends are skipped.
/// </summary>
/// <remarks>A data directory written before producer ids had grain state keeps the next free id in the blob
/// <c>producer-ids</c>: while the grain has no state, reservations start from there.</remarks>
[GrainType("runnel.producer-id")]
public sealed partial class ProducerIdGrain(
    [PersistentState(ProducerIdGrainState.StateName, GrainsHostingExtensions.GrainStorageName)] IPersistentState<ProducerIdGrainState> state,
    IObjectStore store,
    IOptions<RunnelGrainsOptions> options,
    ILogger<ProducerIdGrain> logger)
    : Grain, IProducerIdGrain
{
    /// <summary>How often a reservation is retried when other activations keep reserving blocks first.</summary>
    private const int MaxReserveAttempts = 20;

    private readonly int _blockSize = options.Value.ProducerIdBlockSize;
    private long _next;
    private long _blockEnd;

    public async ValueTask<ProducerIdentity> AllocateAsync(CancellationToken cancellationToken = default)
    {
        if (this.GetPrimaryKeyString() != RunnelCluster.SingletonKey)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"The producer-id grain's key is '{RunnelCluster.SingletonKey}' (was '{this.GetPrimaryKeyString()}').");
        }

        if (_next >= _blockEnd)
        {
            await ReserveBlockAsync(cancellationToken);
        }

        return new ProducerIdentity(_next++, 0);
    }

    private async Task ReserveBlockAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxReserveAttempts; attempt++)
        {
            var start = state.RecordExists ? state.State.NextId : await ReadLegacyNextIdAsync(cancellationToken);
            state.State.NextId = start + _blockSize;
            try
            {
                await state.WriteAsync();
                (_next, _blockEnd) = (start, start + _blockSize);
                LogReserved(logger, start, start + _blockSize - 1);
                return;
            }
            catch (InconsistentStateException)
            {
                // Another activation reserved a block first (or our write landed and its response was lost: that
                // block is skipped, which wastes ids but never repeats one). Read again.
                await state.ReadAsync();
            }
        }

        throw new RunnelException(
            RunnelErrorCode.PreconditionFailed,
            $"Could not reserve a block of producer ids: the producer-id state changed under {MaxReserveAttempts} attempts.",
            isRetriable: true);
    }

    /// <summary>The next free id of the legacy blob <c>producer-ids</c>, or 0 when there is none.</summary>
    private async Task<long> ReadLegacyNextIdAsync(CancellationToken cancellationToken)
    {
        var legacy = await store.TryGetAsync(StoragePaths.ProducerIds, cancellationToken: cancellationToken);
        return legacy is null ? 0 : ProducerIdBlock.FromJson(legacy.Content.Span, StoragePaths.ProducerIds).NextId;
    }
}
