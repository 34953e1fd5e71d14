namespace Runnel.Log.Batches;

/// <summary>What a batch's timestamps mean: bit 3 of its attributes.</summary>
public enum TimestampType
{
    /// <summary>Each record carries the time its producer created it (baseTimestamp + timestampDelta).</summary>
    CreateTime = 0,

    /// <summary>The log stamped the batch on append: every record's timestamp is the batch's maxTimestamp
    /// and the per-record deltas are ignored.</summary>
    LogAppendTime = 1,
}
