namespace Runnel.Log.Batches;

/// <summary>How strictly <see cref="RecordBatch.Validate"/> judges record offsets.</summary>
public enum RecordBatchValidationMode
{
    /// <summary>
    /// A batch as a producer sends it (what the partition accepts): at least one record, offsetDelta of record
    /// <c>i</c> is <c>i</c>, and lastOffsetDelta is <c>recordCount - 1</c>.
    /// </summary>
    Produce = 0,

    /// <summary>
    /// A batch as the log may hold it after compaction: records may be missing, so offsetDeltas only have to be
    /// strictly increasing from 0 up and not beyond lastOffsetDelta; a batch may keep no records at all.
    /// </summary>
    Stored = 1,
}
