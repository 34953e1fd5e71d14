namespace Runnel.Grains;

/// <summary>Stored batches (unchanged bytes; the first may start before the offset asked for) and the watermarks.</summary>
[GenerateSerializer, Immutable, Alias("runnel.FetchResponse")]
public sealed record FetchResponse(
    [property: Id(0)] ReadOnlyMemory<byte> Batches,
    [property: Id(1)] long LogStartOffset,
    [property: Id(2)] long HighWatermark,
    [property: Id(3)] long LastStableOffset);
