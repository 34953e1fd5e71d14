namespace Runnel.Chaos.History;

/// <summary>An acknowledged produce: the record <paramref name="Id"/> with <paramref name="Key"/> was reported written at
/// <paramref name="Partition"/>/<paramref name="Offset"/>. A <paramref name="Tombstone"/> (compact workload) carried a
/// null value instead of the id.</summary>
internal sealed record Ack(RecordId Id, string Key, int Partition, long Offset, bool Tombstone = false);
