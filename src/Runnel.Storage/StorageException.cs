namespace Runnel.Storage;

/// <summary>
/// A storage failure, translated at the adapter into one of a small set of types callers switch on:
/// <see cref="BlobNotFoundException"/>, <see cref="PreconditionFailedException"/>, <see cref="BlobSealedException"/>,
/// <see cref="StorageConflictException"/>, <see cref="StorageThrottledException"/>, <see cref="StorageUnavailableException"/>,
/// <see cref="StorageCorruptException"/>.
/// </summary>
[GenerateSerializer, Alias("runnel.StorageException")]
public abstract class StorageException : RunnelException
{
    protected StorageException(RunnelErrorCode code, string blobName, string message, string? storeErrorCode, Exception? innerException, bool isRetriable, bool isOutcomeUnknown = false)
        : base(code, message, innerException, isRetriable, isOutcomeUnknown)
    {
        BlobName = blobName;
        StoreErrorCode = storeErrorCode;
    }

    /// <summary>The blob the operation was on (empty for store-wide operations such as a listing).</summary>
    [Id(0)]
    public string BlobName { get; }

    /// <summary>The store's own error code (for Azure, the <c>x-ms-error-code</c>, e.g. <c>AppendPositionConditionNotMet</c>), when it gave one.</summary>
    [Id(1)]
    public string? StoreErrorCode { get; }
}
