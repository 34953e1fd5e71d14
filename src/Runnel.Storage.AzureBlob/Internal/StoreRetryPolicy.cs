using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Runnel.Storage.AzureBlob.Internal;

/// <summary>
/// The store's SDK retry policy: Azure.Core's own (bounded, exponential back-off with jitter; the Blob SDK's response
/// classifier says what is transient: 408, 429, 5xx, lost connections, timeouts), except for requests sent inside
/// <see cref="AtMostOnce"/>. Those are writes whose repeat is not safe after the first try may have reached the
/// store: append block (a repeat would append the block twice, or, with an append-position condition, fail that
/// condition and read as "someone else wrote here" — a false fencing signal), conditional put and create (a repeat
/// fails its own If-None-Match / If-Match), delete (a repeat reports not-found) and lease release (a repeat reports
/// a conflict). They are retried only when the store certainly did not apply them: throttled (429, 503 ServerBusy)
/// or never sent (the connection, name resolution or TLS failed first). Any other failure surfaces at once as
/// <see cref="StorageUnavailableException"/> with <c>IsOutcomeUnknown</c>, and the caller finds out what happened
/// (the partition log reads the segment back at the append position; see <c>PartitionLog.AppendBlockAsync</c>).
/// </summary>
/// <remarks>Why one client with a per-call marker rather than a second client with retries off: throttling and
/// refused connections are the common failures of an append under load, and retrying them in the SDK keeps the
/// back-off in one place; only the unsafe cases are taken away from it.</remarks>
internal sealed class StoreRetryPolicy(int maxRetries, DelayStrategy delay) : RetryPolicy(maxRetries, delay)
{
    private const string AtMostOnceProperty = "runnel.at-most-once";

    private static readonly Dictionary<string, object?> AtMostOnceProperties = new(StringComparer.Ordinal) { [AtMostOnceProperty] = true };

    /// <summary>Marks every request the SDK creates until the scope is disposed (it flows with the async call) as
    /// at-most-once: not repeated once it may have been sent. Wrap exactly one SDK call in it.</summary>
    public static IDisposable AtMostOnce() => HttpPipeline.CreateHttpMessagePropertiesScope(AtMostOnceProperties);

    protected override bool ShouldRetry(HttpMessage message, Exception? exception) =>
        MayRepeat(message, exception) && base.ShouldRetry(message, exception);

    protected override ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) =>
        MayRepeat(message, exception) ? base.ShouldRetryAsync(message, exception) : new(false);

    private static bool MayRepeat(HttpMessage message, Exception? exception)
    {
        if (!message.TryGetProperty(AtMostOnceProperty, out _))
        {
            return true;
        }

        return exception is null
            ? message.Response.Status is 429 or 503
            : IsNotSent(exception);
    }

    /// <summary>True when <paramref name="exception"/> proves the request never reached the store: the connection
    /// (or name resolution, or TLS, or a proxy tunnel) failed before anything was sent.</summary>
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

    /// <summary>A per-try network timeout. Azure.Core reports one as a <see cref="TaskCanceledException"/> (with a
    /// <see cref="TimeoutException"/> inside); only call this where the caller's own cancellation has been ruled out.</summary>
    public static bool IsTimeout(Exception exception) => exception is OperationCanceledException or TimeoutException;

    /// <summary>The error code of a failed response the SDK turned into an exception, if it had one.</summary>
    public static string? ErrorCode(Exception exception) => (exception as RequestFailedException)?.ErrorCode;
}
