namespace Runnel.Log;

/// <summary>What a stored batch is for the transaction bookkeeping (from its attributes and, for a control batch, its
/// marker's type).</summary>
public enum BatchKind : byte
{
    /// <summary>Records outside any transaction (plain or idempotent).</summary>
    Data = 0,

    /// <summary>Records of a transactional producer's open transaction.</summary>
    Transactional = 1,

    /// <summary>A commit marker: the producer's open transaction on this partition committed.</summary>
    CommitMarker = 2,

    /// <summary>An abort marker: the producer's open transaction on this partition aborted.</summary>
    AbortMarker = 3,

    /// <summary>A control batch that is not a transaction marker this build reads: it ends nothing.</summary>
    OtherControl = 4,
}
