namespace Runnel.Clustering;

/// <summary>Where the cluster's membership table lives.</summary>
public enum RunnelClusteringBackend
{
    /// <summary>One blob in Runnel's <see cref="Runnel.Storage.IObjectStore"/> (the file store or Azure Blob), changed
    /// by ETag: nothing else to run. The default.</summary>
    ObjectStore = 0,

    /// <summary>An Azure Storage table through Microsoft.Orleans.Clustering.AzureStorage (one row per silo).</summary>
    AzureTable = 1,
}
