namespace Runnel.Chaos.History;

/// <summary>An acknowledged produce: the record <paramref name="Id"/> with <paramref name="Key"/> was reported written at
/// <paramref name="Partition"/>/<paramref name="Offset"/>.</summary>
internal sealed record Ack(RecordId Id, string Key, int Partition, long Offset);
