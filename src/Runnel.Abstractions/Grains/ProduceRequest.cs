namespace Runnel.Grains;

/// <summary>A produce request: one record batch (Kafka RecordBatch v2 bytes, as the client's batch builder made them).</summary>
[GenerateSerializer, Immutable, Alias("runnel.ProduceRequest")]
public sealed record ProduceRequest([property: Id(0)] ReadOnlyMemory<byte> Batch);
