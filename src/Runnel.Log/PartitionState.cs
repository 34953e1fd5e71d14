namespace Runnel.Log;

/// <summary>The lifecycle of a partition as its manifest records it.</summary>
public enum PartitionState
{
    /// <summary>An owner took over (bumped the epoch) and is recovering the tail; it does not serve yet.</summary>
    Recovering = 0,

    /// <summary>The owner of <see cref="PartitionManifest.Epoch"/> serves appends into the last segment.</summary>
    Active = 1,

    /// <summary>The last owner handed the partition back cleanly: every segment is sealed and described.</summary>
    Released = 2,
}
