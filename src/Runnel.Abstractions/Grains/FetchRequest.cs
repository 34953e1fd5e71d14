namespace Runnel.Grains;

/// <summary>A fetch: whole batches from <paramref name="Offset"/>, at most <paramref name="MaxBytes"/> (but at least one
/// batch), waiting up to <paramref name="MaxWait"/> when the partition has nothing at or after the offset yet. At
/// <see cref="IsolationLevel.ReadCommitted"/> only batches below the last stable offset are returned, with the aborted
/// transactions among them; at <see cref="IsolationLevel.ReadUncommitted"/> (the default of this record, for callers
/// written before transactions) everything up to the high watermark.</summary>
[GenerateSerializer, Alias("runnel.FetchRequest")]
public sealed record FetchRequest(
    [property: Id(0)] long Offset,
    [property: Id(1)] int MaxBytes,
    [property: Id(2)] TimeSpan MaxWait,
    [property: Id(3)] IsolationLevel IsolationLevel = IsolationLevel.ReadUncommitted);
