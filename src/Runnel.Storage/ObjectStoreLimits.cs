namespace Runnel.Storage;

/// <summary>Limits every <see cref="IObjectStore"/> enforces, taken from Azure Blob Storage so that code
/// tested on the file store behaves the same in Azure.</summary>
public static class ObjectStoreLimits
{
    /// <summary>Azure's cap on one Append Block call: 4 MiB (service version 2019-12-12 and later allow 100 MiB,
    /// but Azurite and older accounts do not; 4 MiB is the portable bound).</summary>
    public const int MaxAppendBlockBytes = 4 * 1024 * 1024;

    /// <summary>Azure's cap on committed blocks in one append blob: 50,000. The log rolls before it.</summary>
    public const int MaxBlocksPerAppendBlob = 50_000;

    /// <summary>Azure's cap on a blob name: 1,024 characters.</summary>
    public const int MaxBlobNameLength = 1024;

    /// <summary>Azure's cap on the page size of List Blobs: 5,000.</summary>
    public const int MaxListPageSize = 5000;
}
