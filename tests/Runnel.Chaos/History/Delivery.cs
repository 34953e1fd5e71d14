namespace Runnel.Chaos.History;

/// <summary>A record a consumer of the workload received while the nemesis ran (at-least-once: it may repeat).</summary>
internal sealed record Delivery(int Partition, long Offset, RecordId? Id);
