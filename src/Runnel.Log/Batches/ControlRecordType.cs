namespace Runnel.Log.Batches;

/// <summary>The type field of a control record's key. Only transaction markers are written by Runnel.</summary>
public enum ControlRecordType : short
{
    /// <summary>The producer's open transaction on this partition was aborted: its records are to be skipped.</summary>
    Abort = 0,

    /// <summary>The producer's open transaction on this partition was committed: its records become visible.</summary>
    Commit = 1,
}
