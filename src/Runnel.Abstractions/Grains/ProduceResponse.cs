namespace Runnel.Grains;

/// <summary>Where a produced batch landed.</summary>
/// <param name="BaseOffset">The offset of its first record.</param>
/// <param name="LastOffset">The offset of its last record.</param>
/// <param name="LogStartOffset">The partition's log start offset at the time.</param>
/// <param name="IsDuplicate">True when this was a retry of a batch already written (the original offsets are returned).</param>
[GenerateSerializer, Alias("runnel.ProduceResponse")]
public sealed record ProduceResponse(
    [property: Id(0)] long BaseOffset,
    [property: Id(1)] long LastOffset,
    [property: Id(2)] long LogStartOffset,
    [property: Id(3)] bool IsDuplicate);
