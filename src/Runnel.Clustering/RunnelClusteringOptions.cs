namespace Runnel.Clustering;

/// <summary>
/// How Runnel keeps Orleans' membership table. Bound from configuration on a silo (section <c>Runnel:Clustering</c> by
/// convention) and validated on start by <see cref="RunnelClusteringOptionsValidator"/>. The cluster id itself is
/// Orleans' <c>ClusterOptions.ClusterId</c>.
/// </summary>
public sealed class RunnelClusteringOptions
{
    /// <summary>Where the table lives. Default <see cref="RunnelClusteringBackend.ObjectStore"/>. Read when
    /// <c>UseRunnelClustering</c> is called (it decides which services are registered), not later.</summary>
    public RunnelClusteringBackend Backend { get; set; } = RunnelClusteringBackend.ObjectStore;

    /// <summary>Blob name prefix of the table: the table of cluster <c>c</c> is <c>{BlobPrefix}/c/membership</c>.
    /// Default <c>clusters</c>; no leading or trailing '/'.</summary>
    public string BlobPrefix { get; set; } = "clusters";

    /// <summary>How many times one table operation re-reads and re-writes the blob after another silo changed it in
    /// between (a blob-level ETag conflict, e.g. with a heartbeat) before giving up. Default 64: with N silos
    /// heartbeating on one blob a conflict is rare, and each retry is two round trips.</summary>
    public int MaxConflictRetries { get; set; } = 64;

    /// <summary>Upper bound of the random pause before such a retry, so colliding writers spread out. Default 20 ms.</summary>
    public TimeSpan MaxConflictRetryDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>With <see cref="RunnelClusteringBackend.AzureTable"/>: the storage account's connection string
    /// (required then, e.g. Azurite's <c>UseDevelopmentStorage=true</c> or one naming its <c>TableEndpoint</c>).</summary>
    public string? AzureTableConnectionString { get; set; }

    /// <summary>With <see cref="RunnelClusteringBackend.AzureTable"/>: the table's name. Default <c>RunnelMembership</c>;
    /// Azure allows 3–63 letters and digits, starting with a letter.</summary>
    public string AzureTableName { get; set; } = "RunnelMembership";

    /// <summary>The membership blob's name for <paramref name="clusterId"/>.</summary>
    public string MembershipBlobName(string clusterId) => $"{BlobPrefix}/{clusterId}/membership";
}
