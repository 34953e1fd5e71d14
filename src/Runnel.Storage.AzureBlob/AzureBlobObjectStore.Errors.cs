using Azure;
using Runnel.Storage.AzureBlob.Internal;

namespace Runnel.Storage.AzureBlob;

/// <content>
/// Translation of what the SDK throws into Runnel's typed storage errors. For a <see cref="RequestFailedException"/>
/// with a status, the status and the service's error code decide (the code is kept in
/// <see cref="StorageException.StoreErrorCode"/>):
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
/// Anything else the SDK throws (no response after its retries: a refused or dropped connection, a timeout) is
/// <see cref="StorageUnavailableException"/>, with the outcome unknown for a write unless every try provably failed
/// before it was sent.
/// </content>
public sealed partial class AzureBlobObjectStore
{
    /// <summary>Whether <paramref name="exception"/> is the store (or the way to it) failing, as opposed to a bug.</summary>
    private static bool IsStoreFailure(Exception exception) =>
        exception is RequestFailedException or AggregateException or OperationCanceledException or IOException or HttpRequestException or TimeoutException;

    /// <summary>The typed exception for what an SDK call threw.</summary>
    private static RunnelException Translate(Exception exception, string blobName, RequestKind kind, bool ifNoneMatchAny) =>
        exception is RequestFailedException { Status: > 0 } failed
            ? TranslateResponse(failed, blobName, kind, ifNoneMatchAny)
            : TranslateTransportFailure(exception, blobName, kind);

    /// <summary>The typed exception for an error response.</summary>
    internal static RunnelException TranslateResponse(RequestFailedException exception, string blobName, bool isWrite, bool ifNoneMatchAny) =>
        TranslateResponse(exception, blobName, isWrite ? RequestKind.AtMostOnceWrite : RequestKind.Read, ifNoneMatchAny);

    private static RunnelException TranslateResponse(RequestFailedException exception, string blobName, RequestKind kind, bool ifNoneMatchAny)
    {
        var status = exception.Status;
        var code = exception.ErrorCode;
        var detail = $"{status} {code ?? exception.GetRawResponse()?.ReasonPhrase}";

        return status switch
        {
            404 => new BlobNotFoundException(blobName, code, exception),
            412 => code switch
            {
                "AppendPositionConditionNotMet" => new PreconditionFailedException(blobName, PreconditionKind.AppendPosition, "the append blob's length is not the append position given", code, exception),
                "MaxBlobSizeConditionNotMet" => new PreconditionFailedException(blobName, PreconditionKind.MaxSize, "the append would grow the blob past the max size given", code, exception),
                "LeaseIdMissing" or "LeaseIdMismatchWithBlobOperation" or "LeaseNotPresentWithBlobOperation" or "LeaseLost"
                    => new PreconditionFailedException(blobName, PreconditionKind.Lease, $"the blob's lease does not admit this write ({code})", code, exception),
                _ when ifNoneMatchAny => new PreconditionFailedException(blobName, PreconditionKind.AlreadyExists, "the blob exists", code, exception),
                _ => new PreconditionFailedException(blobName, PreconditionKind.ETagMismatch, "the blob's ETag is not the one given", code, exception),
            },
            409 => code switch
            {
                "BlobAlreadyExists" => new PreconditionFailedException(blobName, PreconditionKind.AlreadyExists, "the blob exists", code, exception),
                "BlobIsSealed" => new BlobSealedException(blobName, code, exception),
                _ => new StorageConflictException(blobName, detail, code, exception),
            },
            429 or 503 => new StorageThrottledException(blobName, detail, code, exception),
            408 or >= 500 => new StorageUnavailableException(blobName, detail, isOutcomeUnknown: kind != RequestKind.Read, code, exception),
            401 or 403 => new StorageUnavailableException(blobName, $"the store refused the credentials: {detail}", isOutcomeUnknown: false, code, exception),
            _ => new RunnelException(RunnelErrorCode.InvalidArgument, $"The blob service rejected the request on '{blobName}': {detail}."),
        };
    }

    /// <summary>The typed exception for a request that got no usable response, after the SDK's retries (it throws
    /// an <see cref="AggregateException"/> of every try's failure when they run out). The outcome is unknown for a
    /// write unless every try provably failed before sending.</summary>
    private static StorageUnavailableException TranslateTransportFailure(Exception exception, string blobName, RequestKind kind)
    {
        IReadOnlyList<Exception> attempts = exception is AggregateException aggregate ? aggregate.InnerExceptions : [exception];
        var maybeApplied = false;
        foreach (var attempt in attempts)
        {
            maybeApplied |= !StoreRetryPolicy.IsNotSent(attempt);
        }

        var last = attempts.Count > 0 ? attempts[^1] : exception;
        var what = StoreRetryPolicy.IsTimeout(last) ? "timed out" : "failed";
        return new StorageUnavailableException(
            blobName,
            $"the request {what} after {attempts.Count} tr{(attempts.Count == 1 ? "y" : "ies")}: {last.Message}",
            isOutcomeUnknown: kind != RequestKind.Read && maybeApplied,
            storeErrorCode: (last as RequestFailedException)?.ErrorCode,
            innerException: exception);
    }
}
