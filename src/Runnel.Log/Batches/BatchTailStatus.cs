namespace Runnel.Log.Batches;

/// <summary>How a buffer of back-to-back batches ends, as judged by <see cref="RecordBatchSplitter.Scan"/>.</summary>
public enum BatchTailStatus
{
    /// <summary>The buffer ends exactly after its last valid batch.</summary>
    Clean = 0,

    /// <summary>The buffer ends inside a batch: fewer bytes remain than the log overhead or than the batch's
    /// batchLength claims. After a crash this is a torn write; the tail after the last valid batch is to be dropped.</summary>
    Incomplete = 1,

    /// <summary>A batch that is complete by its length fails a check (magic, CRC, records): the data from there on
    /// cannot be trusted.</summary>
    Corrupt = 2,
}
