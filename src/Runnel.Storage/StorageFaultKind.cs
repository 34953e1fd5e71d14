namespace Runnel.Storage;

/// <summary>A fault <see cref="FaultInjectingObjectStore"/> injects.</summary>
public enum StorageFaultKind
{
    /// <summary><see cref="StorageUnavailableException"/> before the operation reaches the store: nothing happened
    /// (<see cref="RunnelException.IsOutcomeUnknown"/> false).</summary>
    Unavailable = 0,

    /// <summary><see cref="StorageThrottledException"/> before the operation reaches the store: nothing happened.</summary>
    Throttled = 1,

    /// <summary>The operation reaches the store and SUCCEEDS, then the caller gets
    /// <see cref="StorageUnavailableException"/> with <see cref="RunnelException.IsOutcomeUnknown"/> set (for a
    /// write): a lost response.</summary>
    LostResponse = 2,
}
