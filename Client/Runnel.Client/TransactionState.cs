namespace Runnel.Client;

/// <summary>Where a transactional id's transaction is, as its coordinator says (Kafka's transaction states).</summary>
public enum TransactionState
{
    /// <summary>Initialized; no transaction open.</summary>
    Empty = 0,

    /// <summary>A transaction is open: partitions or groups were added to it.</summary>
    Ongoing = 1,

    /// <summary>Commit decided (durably); markers are being written.</summary>
    PrepareCommit = 2,

    /// <summary>Abort decided (durably); markers are being written.</summary>
    PrepareAbort = 3,

    /// <summary>The last transaction committed.</summary>
    CompleteCommit = 4,

    /// <summary>The last transaction aborted.</summary>
    CompleteAbort = 5,
}
