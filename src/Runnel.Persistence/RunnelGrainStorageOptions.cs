using Orleans.Storage;

namespace Runnel.Persistence;

/// <summary>
/// One named Runnel grain storage. Bound per storage name (Orleans' named options; section
/// <c>Runnel:GrainStorage:{name}</c> by convention) and validated on start by <see cref="RunnelGrainStorageOptionsValidator"/>.
/// </summary>
public sealed class RunnelGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>The longest <see cref="BlobPrefix"/>: with it, every state's blob name stays under Azure's 1,024 characters
    /// (see <c>GrainStateBlobNames.MaxComponentLength</c>).</summary>
    public const int MaxBlobPrefixLength = 200;

    /// <summary>Where state lives. Default <see cref="RunnelGrainStorageBackend.ObjectStore"/>. Read when
    /// <c>AddRunnelGrainStorage</c> is called (it decides which provider is registered), not later.</summary>
    public RunnelGrainStorageBackend Backend { get; set; } = RunnelGrainStorageBackend.ObjectStore;

    /// <summary>With <see cref="RunnelGrainStorageBackend.ObjectStore"/>: blob name prefix of every state; the state of
    /// storage <c>s</c> is under <c>{BlobPrefix}/s/</c>. Default <c>grains</c>; no leading or trailing '/', at most
    /// <see cref="MaxBlobPrefixLength"/> characters.</summary>
    public string BlobPrefix { get; set; } = "grains";

    /// <summary>
    /// What <c>ClearStateAsync</c> does. True (the default, as in Orleans' Azure blob provider): deletes the blob, if its
    /// ETag still matches. False: writes an empty blob (a tombstone) under the same ETag condition, so the blob's ETag
    /// history never returns to "absent": an activation that read the state before it was first written can then not
    /// write after a clear, at the price of one empty blob left per cleared grain.
    /// </summary>
    public bool DeleteStateOnClear { get; set; } = true;

    /// <summary>The serializer of state. Default: the one registered under the storage's name, else the silo's
    /// <see cref="IGrainStorageSerializer"/> (Orleans' JSON serializer unless the silo chose another).</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;

    /// <summary>With <see cref="RunnelGrainStorageBackend.AzureBlob"/>: the storage account's connection string
    /// (required then; Azurite's names its <c>BlobEndpoint</c>).</summary>
    public string? AzureBlobConnectionString { get; set; }

    /// <summary>With <see cref="RunnelGrainStorageBackend.AzureBlob"/>: the container. Default <c>grainstate</c>
    /// (Orleans' default); Azure allows 3–63 lowercase letters, digits and single hyphens, starting and ending with a
    /// letter or digit. Orleans' provider creates it on start.</summary>
    public string AzureBlobContainerName { get; set; } = "grainstate";
}
