namespace Runnel.Silo;

/// <summary>Where the silo keeps everything (section <c>Runnel:Storage</c>). Validated on start by
/// <see cref="SiloHostOptionsValidator"/>.</summary>
public sealed class StorageOptions
{
    /// <summary><c>file</c> (the embedded default: a data directory on local disk, shareable by silos on one host)
    /// or <c>azure</c> (Azure Blob Storage or Azurite). Default <c>file</c>. <c>--storage</c>.</summary>
    public string Kind { get; set; } = "file";

    /// <summary>The file store's directory, relative to the working directory. Default <c>./data</c>. <c>--data-dir</c>.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>For <c>azure</c>: a storage connection string (AccountName + AccountKey, or UseDevelopmentStorage=true).
    /// <c>--connection-string</c>, or the environment variable <c>Runnel__Storage__ConnectionString</c>. Give either
    /// this or <see cref="BlobEndpoint"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>For <c>azure</c>: the account's blob endpoint, e.g. <c>https://account.blob.core.windows.net</c>
    /// (https only), authenticated with Microsoft Entra ID (<c>DefaultAzureCredential</c>: managed identity, workload
    /// identity, environment, developer sign-ins). <c>--blob-endpoint</c>. Give either this or
    /// <see cref="ConnectionString"/>.</summary>
    public string? BlobEndpoint { get; set; }

    /// <summary>For <c>azure</c> with <see cref="BlobEndpoint"/>: the client id (a GUID) of the user-assigned managed
    /// identity to authenticate as. Default none (the system-assigned identity). <c>--managed-identity-client-id</c>.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>For <c>azure</c>: the container holding the cluster's blobs. Default <c>runnel</c>. <c>--container</c>.</summary>
    public string ContainerName { get; set; } = "runnel";

    /// <summary>
    /// Where the grains' small state lives (topic metadata, the catalogs, producer-id blocks): <c>store</c> (the
    /// default: blobs under <c>grains/</c> in the same store as everything else, ETag-checked) or <c>orleans-azure</c>
    /// (Orleans' own Azure blob grain storage, in container <see cref="GrainStateContainerName"/> of the same account;
    /// needs <c>azure</c> with a connection string). <c>--grain-state</c>.
    /// </summary>
    public string GrainState { get; set; } = "store";

    /// <summary>With <see cref="GrainState"/> <c>orleans-azure</c>: the container of grain state. Default <c>grainstate</c>.</summary>
    public string GrainStateContainerName { get; set; } = "grainstate";
}
