using Azure;
using Azure.Core;
using Runnel.Storage.Azure.Internal;

namespace Runnel.Storage.Azure;

/// <content>
/// Translation of the Blob service's answers into Runnel's typed storage errors. The status and
/// <c>x-ms-error-code</c> decide (the code is kept in <see cref="StorageException.StoreErrorCode"/>):
/// <code>
/// 404 *                                         BlobNotFoundException
/// 412 AppendPositionConditionNotMet             PreconditionFailed(AppendPosition)
/// 412 MaxBlobSizeConditionNotMet                PreconditionFailed(MaxSize)
/// 412 LeaseIdMissing, LeaseIdMismatchWithBlobOperation,
///     LeaseNotPresentWithBlobOperation, LeaseLost  PreconditionFailed(Lease)
/// 412 other, with If-None-Match: *              PreconditionFailed(AlreadyExists)
/// 412 other (ConditionNotMet)                   PreconditionFailed(ETagMismatch)
/// 409 BlobAlreadyExists                         PreconditionFailed(AlreadyExists)
/// 409 BlobIsSealed                              BlobSealedException
/// 409 other (LeaseAlreadyPresent, LeaseIdMismatchWithLeaseOperation, InvalidBlobType,
///     BlockCountExceedsLimit, LeaseIsBroken..., ...)  StorageConflictException
/// 429, 503                                      StorageThrottledException
/// 5xx, 408                                      StorageUnavailableException (outcome unknown for writes)
/// 401, 403                                      StorageUnavailableException (refused: outcome known)
/// other 4xx                                     RunnelException(InvalidArgument)
/// </code>
/// </content>
public sealed partial class AzureBlobObjectStore
{
    /// <summary>The typed exception for an error response.</summary>
    private static RunnelException Translate(HttpMessage message, string blobName, RequestKind kind)
    {
        var response = message.Response;
        var status = response.Status;
        var code = ErrorCode(response);
        var detail = $"{status} {code ?? response.ReasonPhrase}";
        var ifNoneMatchAny = message.Request.Headers.TryGetValue(BlobHeaders.IfNoneMatch, out var inm) && inm == "*";

        return status switch
        {
            404 => new BlobNotFoundException(blobName, code),
            412 => code switch
            {
                "AppendPositionConditionNotMet" => new PreconditionFailedException(blobName, PreconditionKind.AppendPosition, "the append blob's length is not the append position given", code),
                "MaxBlobSizeConditionNotMet" => new PreconditionFailedException(blobName, PreconditionKind.MaxSize, "the append would grow the blob past the max size given", code),
                "LeaseIdMissing" or "LeaseIdMismatchWithBlobOperation" or "LeaseNotPresentWithBlobOperation" or "LeaseLost"
                    => new PreconditionFailedException(blobName, PreconditionKind.Lease, $"the blob's lease does not admit this write ({code})", code),
                _ when ifNoneMatchAny => new PreconditionFailedException(blobName, PreconditionKind.AlreadyExists, "the blob exists", code),
                _ => new PreconditionFailedException(blobName, PreconditionKind.ETagMismatch, "the blob's ETag is not the one given", code),
            },
            409 => code switch
            {
                "BlobAlreadyExists" => new PreconditionFailedException(blobName, PreconditionKind.AlreadyExists, "the blob exists", code),
                "BlobIsSealed" => new BlobSealedException(blobName, code),
                _ => new StorageConflictException(blobName, detail, code),
            },
            429 or 503 => new StorageThrottledException(blobName, detail, code),
            408 or >= 500 => new StorageUnavailableException(blobName, detail, isOutcomeUnknown: kind != RequestKind.Read, code),
            401 or 403 => new StorageUnavailableException(blobName, $"the store refused the credentials: {detail}", isOutcomeUnknown: false, code),
            _ => new RunnelException(RunnelErrorCode.InvalidArgument, $"The blob service rejected the request on '{blobName}': {detail}."),
        };
    }

    /// <summary>The typed exception for a request that got no usable response, after retries. The outcome is
    /// unknown for a write unless every try provably failed before sending.</summary>
    private static StorageUnavailableException TranslateTransportFailure(Exception exception, string blobName, RequestKind kind)
    {
        IReadOnlyList<Exception> attempts = exception is AggregateException aggregate ? aggregate.InnerExceptions : [exception];
        var maybeApplied = false;
        foreach (var attempt in attempts)
        {
            maybeApplied |= !BlobResponseClassifier.IsNotSent(attempt);
        }

        var last = attempts.Count > 0 ? attempts[^1] : exception;
        var what = BlobResponseClassifier.IsTimeout(last) ? "timed out" : "failed";
        return new StorageUnavailableException(
            blobName,
            $"the request {what} after {attempts.Count} tr{(attempts.Count == 1 ? "y" : "ies")}: {last.Message}",
            isOutcomeUnknown: kind != RequestKind.Read && maybeApplied,
            storeErrorCode: (last as RequestFailedException)?.ErrorCode,
            innerException: exception);
    }
}
