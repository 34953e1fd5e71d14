namespace Runnel.Storage;

/// <summary>The operations of <see cref="IObjectStore"/>, as flags so a fault rule can target several.</summary>
[Flags]
public enum StorageOperation
{
    None = 0,
    Get = 1 << 0,
    GetProperties = 1 << 1,
    Put = 1 << 2,
    Delete = 1 << 3,
    List = 1 << 4,
    CreateAppendBlob = 1 << 5,
    AppendBlock = 1 << 6,
    Seal = 1 << 7,
    AcquireLease = 1 << 8,
    RenewLease = 1 << 9,
    ReleaseLease = 1 << 10,
    BreakLease = 1 << 11,

    /// <summary>The operations that only read.</summary>
    Reads = Get | GetProperties | List,

    /// <summary>The operations that change a blob.</summary>
    Writes = Put | Delete | CreateAppendBlob | AppendBlock | Seal | AcquireLease | RenewLease | ReleaseLease | BreakLease,

    All = Reads | Writes,
}
