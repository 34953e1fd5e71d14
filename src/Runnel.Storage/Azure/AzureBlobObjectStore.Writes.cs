using System.Globalization;
using Azure.Core;
using Runnel.Storage.Azure.Internal;

namespace Runnel.Storage.Azure;

/// <content>Put Blob, Delete Blob, Put Blob (append), Append Block, Append Blob Seal.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <inheritdoc/>
    /// <remarks>One Put Blob (BlockBlob) request carrying <paramref name="content"/> as is (no copy; the caller
    /// must not change it until the call completes). Retried after a lost response only when unconditional.</remarks>
    public async ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var kind = condition.IfMatch is null && !condition.IfNoneMatchAny ? RequestKind.IdempotentWrite : RequestKind.NonIdempotentWrite;
        HttpMessage Create()
        {
            var message = CreateMessage(RequestMethod.Put, name, query: null, kind);
            message.Request.Headers.SetValue(BlobHeaders.BlobType, "BlockBlob");
            message.Request.Content = RequestContent.Create(content);
            ApplyCondition(message.Request, condition);
            return message;
        }

        using var message = await SendAsync(Create, name, kind, cancellationToken).ConfigureAwait(false);
        return message.Response.Status == 201 ? WriteResult(message.Response, name) : throw Translate(message, name, kind);
    }

    /// <inheritdoc/>
    /// <remarks>One Delete Blob request; not retried once it may have been sent (a repeat would report
    /// not-found for a delete that worked).</remarks>
    public async ValueTask DeleteAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        HttpMessage Create()
        {
            var message = CreateMessage(RequestMethod.Delete, name, query: null, RequestKind.NonIdempotentWrite);
            ApplyCondition(message.Request, condition);
            return message;
        }

        using var message = await SendAsync(Create, name, RequestKind.NonIdempotentWrite, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 202)
        {
            throw Translate(message, name, RequestKind.NonIdempotentWrite);
        }
    }

    /// <inheritdoc/>
    /// <remarks>One Put Blob (AppendBlob) request. Retried after a lost response only when unconditional.</remarks>
    public async ValueTask<BlobWriteResult> CreateAppendBlobAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var kind = condition.IfMatch is null && !condition.IfNoneMatchAny ? RequestKind.IdempotentWrite : RequestKind.NonIdempotentWrite;
        HttpMessage Create()
        {
            var message = CreateMessage(RequestMethod.Put, name, query: null, kind);
            message.Request.Headers.SetValue(BlobHeaders.BlobType, "AppendBlob");
            ApplyCondition(message.Request, condition);
            return message;
        }

        using var message = await SendAsync(Create, name, kind, cancellationToken).ConfigureAwait(false);
        return message.Response.Status == 201 ? WriteResult(message.Response, name) : throw Translate(message, name, kind);
    }

    /// <inheritdoc/>
    /// <remarks>One Append Block request carrying <paramref name="block"/> as is (no copy; the caller must not
    /// change it until the call completes). Never retried once it may have been sent: a lost response fails
    /// with <see cref="StorageUnavailableException"/> (<c>IsOutcomeUnknown</c>), and the caller learns whether
    /// the block landed from the blob's length (an append-position condition turns a blind repeat into a
    /// <see cref="PreconditionFailedException"/> rather than a duplicate).</remarks>
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

        HttpMessage Create()
        {
            var message = CreateMessage(RequestMethod.Put, name, "comp=appendblock", RequestKind.NonIdempotentWrite);
            var headers = message.Request.Headers;
            message.Request.Content = RequestContent.Create(block);
            if (condition.AppendPosition is { } position)
            {
                headers.SetValue(BlobHeaders.AppendPosition, position.ToString(CultureInfo.InvariantCulture));
            }

            if (condition.MaxSize is { } maxSize)
            {
                headers.SetValue(BlobHeaders.MaxSize, maxSize.ToString(CultureInfo.InvariantCulture));
            }

            if (condition.IfMatch is { } etag)
            {
                headers.SetValue(BlobHeaders.IfMatch, etag.Value);
            }

            if (condition.LeaseId is { } leaseId)
            {
                headers.SetValue(BlobHeaders.LeaseId, leaseId);
            }

            return message;
        }

        using var message = await SendAsync(Create, name, RequestKind.NonIdempotentWrite, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 201)
        {
            throw Translate(message, name, RequestKind.NonIdempotentWrite);
        }

        return new AppendResult(
            RequiredLong(response, BlobHeaders.AppendOffset, name),
            checked((int)RequiredLong(response, BlobHeaders.CommittedBlockCount, name)),
            ResponseETag(response, name),
            ServerTime(response, name));
    }

    /// <inheritdoc/>
    /// <remarks>One Append Blob Seal request; idempotent, so retried like a read. Note that Azurite 3.35.0
    /// gives a sealed blob a new ETag.</remarks>
    public async ValueTask<BlobWriteResult> SealAsync(string name, BlobCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        HttpMessage Create()
        {
            var message = CreateMessage(RequestMethod.Put, name, "comp=seal", RequestKind.IdempotentWrite);
            ApplyCondition(message.Request, condition);
            return message;
        }

        using var message = await SendAsync(Create, name, RequestKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
        return message.Response.Status == 200 ? WriteResult(message.Response, name) : throw Translate(message, name, RequestKind.IdempotentWrite);
    }
}
