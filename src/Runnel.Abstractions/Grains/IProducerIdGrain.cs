namespace Runnel.Grains;

/// <summary>Hands out producer ids for idempotent producers, durably: ids are reserved in blocks by compare-and-swap on
/// a blob, so no two producers ever get the same id, across restarts and silos. Key: the empty string.</summary>
[Alias("runnel.producer-id")]
public interface IProducerIdGrain : IGrainWithStringKey
{
    /// <summary>A fresh producer id with epoch 0.</summary>
    [Alias("AllocateAsync")]
    ValueTask<ProducerIdentity> AllocateAsync(CancellationToken cancellationToken = default);
}
