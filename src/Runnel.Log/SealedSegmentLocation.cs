namespace Runnel.Log;

/// <summary>Where an offset lies in a sealed segment (<see cref="PartitionLog.LocateSealedAsync"/>): the segment's blob,
/// the byte position of a stored batch at or before the offset (batches before the offset follow it and are skipped by
/// the reader), the segment's sealed length (its bytes below it never change), its first and last offsets, and the
/// log's watermarks when it was asked.</summary>
public sealed record SealedSegmentLocation(string Segment, long Position, long SealedLength, long BaseOffset, long LastOffset, long LogStartOffset, long HighWatermark);
