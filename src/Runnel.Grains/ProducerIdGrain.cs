using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Runnel.Grains.Internal;
using Runnel.Storage;

namespace Runnel.Grains;

/// <summary>
/// Hands out producer ids (<see cref="IProducerIdGrain"/>) from blocks reserved by compare-and-swap on the blob
/// <c>producer-ids</c> (<see cref="RunnelGrainsOptions.ProducerIdBlockSize"/> at a time). A block is reserved before
/// any of its ids is handed out, so no id is ever given twice — across deactivations, restarts and silos; ids left in
/// a block when the activation ends are skipped.
/// </summary>
[GrainType("runnel.producer-id")]
public sealed partial class ProducerIdGrain(IObjectStore store, IOptions<RunnelGrainsOptions> options, ILogger<ProducerIdGrain> logger)
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
            var current = await store.TryGetAsync(StoragePaths.ProducerIds, cancellationToken: cancellationToken);
            var start = current is null ? 0 : ProducerIdBlock.FromJson(current.Content.Span, StoragePaths.ProducerIds).NextId;
            var condition = current is null ? BlobCondition.IfNotExists : BlobCondition.IfETagMatches(current.Properties.ETag);
            try
            {
                await store.PutAsync(StoragePaths.ProducerIds, new ProducerIdBlock(ProducerIdBlock.CurrentVersion, start + _blockSize).ToJson(), condition, cancellationToken)
                    ;
                (_next, _blockEnd) = (start, start + _blockSize);
                LogReserved(logger, start, start + _blockSize - 1);
                return;
            }
            catch (PreconditionFailedException)
            {
                // Another activation reserved a block first (or our write landed and its response was lost: that
                // block is skipped, which wastes ids but never repeats one). Read again.
            }
        }

        throw new RunnelException(
            RunnelErrorCode.PreconditionFailed,
            $"Could not reserve a block of producer ids: '{StoragePaths.ProducerIds}' changed under {MaxReserveAttempts} attempts.",
            isRetriable: true);
    }
}
