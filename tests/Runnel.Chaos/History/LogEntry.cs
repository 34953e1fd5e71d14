namespace Runnel.Chaos.History;

/// <summary>One record read from a partition: its offset, and the record's id and key (<see cref="Id"/> is null for a
/// record whose value is not a <see cref="RecordId"/>).</summary>
internal sealed record LogEntry(long Offset, RecordId? Id, string? Key);
