namespace Runnel.Runtime.Management;

/// <summary>
/// The cluster as operators see it, served by any silo: call it with an empty key
/// (<c>client.GetGrain&lt;IManagementGrain&gt;("")</c>) and the silo that receives the call answers from its view.
/// A system grain: not placed by hashing, never deactivated for ownership.
/// </summary>
[GrainType("sys.management")]
public interface IManagementGrain : IGrainWithStringKey
{
    /// <summary>The answering silo's membership view, first refreshed from the store when it is older than
    /// <paramref name="minVersion"/> (0: as it is). Grain counts are not filled in (-1). One store read at most.</summary>
    [ReadOnly]
    ValueTask<ClusterView> GetMembershipAsync(long minVersion, CancellationToken cancellationToken = default);

    /// <summary>The view with every live silo's grain count (asked of each silo; -1 for a silo that did not answer
    /// within a second). One call per live silo.</summary>
    [ReadOnly]
    ValueTask<ClusterView> GetClusterAsync(CancellationToken cancellationToken = default);
}
