namespace Runnel.Persistence;

/// <summary>Where a Runnel grain storage keeps grain state.</summary>
public enum RunnelGrainStorageBackend
{
    /// <summary>One blob per grain state in Runnel's <see cref="Runnel.Storage.IObjectStore"/> (<see cref="ObjectStoreGrainStorage"/>):
    /// the file store on one host, or Azure Blob Storage through the store's Azure adapter.</summary>
    ObjectStore,

    /// <summary>Orleans' own Azure blob provider (Microsoft.Orleans.Persistence.AzureStorage, <c>AddAzureBlobGrainStorage</c>),
    /// for Azure deployments that prefer Orleans' provider to the store's.</summary>
    AzureBlob,
}
