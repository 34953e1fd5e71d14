namespace Runnel.Storage;

/// <summary>The lease state of a blob, as Azure names it.</summary>
public enum BlobLeaseState
{
    Available = 0,
    Leased = 1,
    Expired = 2,
    Breaking = 3,
    Broken = 4,
}
