namespace Runnel.Chaos.History;

/// <summary>A partition read from its log start to its high watermark after the nemesis stopped: the whole log.</summary>
internal sealed record PartitionLogRead(int Partition, long LogStartOffset, long HighWatermark, IReadOnlyList<LogEntry> Entries);
