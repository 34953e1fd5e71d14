namespace Runnel.Log;

/// <summary>What one compaction pass did.</summary>
/// <param name="SegmentsCleaned">Sealed segments replaced (0 when the pass found nothing to do or gave up).</param>
/// <param name="SegmentsWritten">Compacted segments that replaced them (several small inputs merge into one).</param>
/// <param name="BytesRead">Bytes of the cleaned segments (the pass's input).</param>
/// <param name="BytesWritten">Bytes of the segments that replaced them.</param>
/// <param name="RecordsRead">Records in the cleaned segments (control batches' records included).</param>
/// <param name="RecordsKept">Records in the segments that replaced them.</param>
/// <param name="FirstDirtyOffset">The manifest's cleaner checkpoint afterwards.</param>
/// <param name="DirtyRatio">The dirty share of the cleanable bytes the pass judged by (0 when nothing was cleanable).</param>
public sealed record CompactionResult(int SegmentsCleaned, int SegmentsWritten, long BytesRead, long BytesWritten, long RecordsRead, long RecordsKept, long FirstDirtyOffset, double DirtyRatio)
{
    /// <summary>True when the pass replaced segments.</summary>
    public bool Compacted => SegmentsCleaned > 0;
}
