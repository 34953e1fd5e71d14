using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Runnel.Storage.AzureBlob;

/// <content>Put Blob, Delete Blob, Put Blob (append), Append Block, Append Blob Seal.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <inheritdoc/>
    /// <remarks>One Put Blob (BlockBlob) request carrying <paramref name="content"/> as is (no copy; the caller
    /// must not change it until the call completes). Retried after a lost response only when unconditional.</remarks>
    public async ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var kind = condition.IfMatch is null && !condition.IfNoneMatchAny ? RequestKind.IdempotentWrite : RequestKind.AtMostOnceWrite;
        var blob = _container.GetBlockBlobClient(name);
        var upload = new BlobUploadOptions { Conditions = ToConditions(condition) };
        var response = await SendAsync(
            name,
            kind,
            async ct =>
            {
                // BinaryData over the caller's memory: the SDK rewinds its stream for a retry; nothing is copied.
                using var stream = BinaryData.FromBytes(content).ToStream();
                return await blob.UploadAsync(stream, upload, ct).ConfigureAwait(false);
            },
            cancellationToken,
            condition.IfNoneMatchAny).ConfigureAwait(false);
        return WriteResult(response.Value, response.GetRawResponse(), name);
    }

    /// <inheritdoc/>
    /// <remarks>One Delete Blob request; not retried once it may have been sent (a repeat would report
    /// not-found for a delete that worked).</remarks>
    public async ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var blob = _container.GetBlobClient(name);
        var conditions = ToConditions(condition);
        await SendAsync(
            name,
            RequestKind.AtMostOnceWrite,
            ct => blob.DeleteAsync(DeleteSnapshotsOption.None, conditions, ct),
            cancellationToken,
            condition.IfNoneMatchAny).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>One Put Blob (AppendBlob) request. Retried after a lost response only when unconditional.</remarks>
    public async ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var kind = condition.IfMatch is null && !condition.IfNoneMatchAny ? RequestKind.IdempotentWrite : RequestKind.AtMostOnceWrite;
        var blob = _container.GetAppendBlobClient(name);
        var create = new AppendBlobCreateOptions { Conditions = ToAppendConditions(condition) };
        var response = await SendAsync(name, kind, ct => blob.CreateAsync(create, ct), cancellationToken, condition.IfNoneMatchAny).ConfigureAwait(false);
        return WriteResult(response.Value, response.GetRawResponse(), name);
    }

    /// <inheritdoc/>
    /// <remarks>One Append Block request carrying <paramref name="block"/> as is (no copy; the caller must not
    /// change it until the call completes). Never repeated by the SDK once it may have been sent (only when throttled
    /// or never sent: <see cref="Internal.StoreRetryPolicy"/>): a lost response or a timeout fails with
    /// <see cref="StorageUnavailableException"/> (<c>IsOutcomeUnknown</c>), and the caller learns whether the block
    /// landed by reading the blob at the append position. Left to the SDK, a repeat of a block that did land would
    /// either append it twice (no append-position condition) or fail the append-position condition, which reads as a
    /// fencing signal ("someone else appended here") for a block this writer itself wrote.</remarks>
    public async ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (block.Length is 0 or > ObjectStoreLimits.MaxAppendBlockBytes)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid block for append blob '{name}': it is {block.Length} bytes; a block is 1–{ObjectStoreLimits.MaxAppendBlockBytes} bytes.");
        }

        if (condition.AppendPosition < 0 || condition.MaxSize < 0)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid append condition for blob '{name}': append position and max size must not be negative.");
        }

        var blob = _container.GetAppendBlobClient(name);
        var append = new AppendBlobAppendBlockOptions
        {
            Conditions = new AppendBlobRequestConditions
            {
                IfAppendPositionEqual = condition.AppendPosition,
                IfMaxSizeLessThanOrEqual = condition.MaxSize,
                IfMatch = condition.IfMatch is { } etag ? ToSdkETag(etag) : null,
                LeaseId = condition.LeaseId,
            },
        };
        var response = await SendAsync(
            name,
            RequestKind.AtMostOnceWrite,
            async ct =>
            {
                using var stream = BinaryData.FromBytes(block).ToStream();
                return await blob.AppendBlockAsync(stream, append, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

        var info = response.Value;
        return new AppendResult(
            long.TryParse(info.BlobAppendOffset, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset)
                ? offset
                : throw new StorageUnavailableException(name, $"the response's append offset '{info.BlobAppendOffset}' is not a number", isOutcomeUnknown: false),
            info.BlobCommittedBlockCount,
            ToETag(info.ETag, name),
            ServerTime(response.GetRawResponse(), name));
    }

    /// <inheritdoc/>
    /// <remarks>One Append Blob Seal request; idempotent, so retried like a read. Note that Azurite 3.35.0
    /// gives a sealed blob a new ETag.</remarks>
    public async ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var blob = _container.GetAppendBlobClient(name);
        var conditions = ToAppendConditions(condition);
        var response = await SendAsync(name, RequestKind.IdempotentWrite, ct => blob.SealAsync(conditions, ct), cancellationToken, condition.IfNoneMatchAny).ConfigureAwait(false);
        var info = response.Value;
        return new BlobWriteResult(ToETag(info.ETag, name), info.LastModified, ServerTime(response.GetRawResponse(), name));
    }
}
