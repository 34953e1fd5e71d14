namespace Runnel.Grains;

/// <summary>An idempotent producer's identity.</summary>
[GenerateSerializer, Alias("runnel.ProducerIdentity")]
public sealed record ProducerIdentity([property: Id(0)] long ProducerId, [property: Id(1)] short ProducerEpoch);
