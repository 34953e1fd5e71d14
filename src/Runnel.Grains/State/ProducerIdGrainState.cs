namespace Runnel.Grains.State;

/// <summary>
/// The first producer id no one has reserved, as <see cref="ProducerIdGrain"/> persists it: Orleans grain state
/// <c>producer-ids</c> in grain storage <c>runnel</c>. A block <c>[NextId, NextId + blockSize)</c> is reserved by
/// writing <c>NextId + blockSize</c> under the ETag last read. Public only because the grain's constructor takes it.
/// </summary>
[GenerateSerializer]
[Alias("runnel.producer-id-state")]
public sealed class ProducerIdGrainState
{
    /// <summary>The state's name in grain storage.</summary>
    public const string StateName = "producer-ids";

    [Id(0)]
    public long NextId { get; set; }
}
