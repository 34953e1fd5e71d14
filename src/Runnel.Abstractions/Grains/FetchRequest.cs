namespace Runnel.Grains;

/// <summary>A fetch: whole batches from <paramref name="Offset"/>, at most <paramref name="MaxBytes"/> (but at least one
/// batch), waiting up to <paramref name="MaxWait"/> when the partition has nothing at or after the offset yet.</summary>
[GenerateSerializer, Alias("runnel.FetchRequest")]
public sealed record FetchRequest(
    [property: Id(0)] long Offset,
    [property: Id(1)] int MaxBytes,
    [property: Id(2)] TimeSpan MaxWait);
