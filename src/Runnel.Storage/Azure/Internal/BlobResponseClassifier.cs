using Azure;
using Azure.Core;

namespace Runnel.Storage.Azure.Internal;

/// <summary>
/// Decides which failures Azure.Core's retry policy may retry, per request. Every request may be retried when
/// the store certainly did not apply it: throttled (429, 503 server busy) or never sent (the connection could
/// not be made). An idempotent request (<see cref="Idempotent"/>: reads, unconditional writes, seal, lease
/// acquire with a proposed id, renew, break) is also retried when it may have been applied: other 5xx, a lost
/// response, a timeout. A non-idempotent one (<see cref="NonIdempotent"/>: append block, conditional writes,
/// delete, release) is not: retrying it after a lost response could append twice or fail its own condition,
/// so the failure surfaces as <see cref="StorageUnavailableException"/> with <c>IsOutcomeUnknown</c> for the
/// caller to resolve. A failed condition (409, 412) is never retried.
/// </summary>
internal sealed class BlobResponseClassifier : ResponseClassifier
{
    public static readonly BlobResponseClassifier Idempotent = new(idempotent: true);

    public static readonly BlobResponseClassifier NonIdempotent = new(idempotent: false);

    private readonly bool _idempotent;

    private BlobResponseClassifier(bool idempotent) => _idempotent = idempotent;

    public override bool IsErrorResponse(HttpMessage message) => message.Response.Status >= 400;

    public override bool IsRetriableResponse(HttpMessage message) => message.Response.Status switch
    {
        429 or 503 => true,
        408 or 500 or 502 or 504 => _idempotent,
        _ => false,
    };

    public override bool IsRetriableException(Exception exception) => IsNotSent(exception) || (_idempotent && IsTransport(exception));

    public override bool IsRetriable(HttpMessage message, Exception exception)
    {
        if (exception is OperationCanceledException && message.CancellationToken.IsCancellationRequested)
        {
            // The caller cancelled: not a failure to retry.
            return false;
        }

        return IsRetriableException(exception) || (_idempotent && IsTimeout(exception));
    }

    /// <summary>True when <paramref name="exception"/> proves the request never reached the store: the
    /// connection (or name resolution, or TLS) failed before anything was sent.</summary>
    public static bool IsNotSent(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A per-try network timeout. Azure.Core reports one as a <see cref="TaskCanceledException"/>; only call
    /// this where the caller's own cancellation has been ruled out.</summary>
    public static bool IsTimeout(Exception exception) => exception is OperationCanceledException or TimeoutException;

    private static bool IsTransport(Exception exception) =>
        exception is IOException or HttpRequestException or RequestFailedException { Status: 0 };
}
