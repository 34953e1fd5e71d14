using System.Globalization;
using System.Text;
using Azure;
using Azure.Core;
using Runnel.Storage.Azure.Internal;

namespace Runnel.Storage.Azure;

/// <content>Building, sending and checking requests; creating the container once.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <summary>What a request is, for retries and error translation.</summary>
    private enum RequestKind
    {
        /// <summary>Changes nothing; retried on any transient failure.</summary>
        Read,

        /// <summary>A write whose repeat has the same effect; retried on any transient failure.</summary>
        IdempotentWrite,

        /// <summary>A write whose repeat could do harm or fail its own condition; not retried once sent.</summary>
        NonIdempotentWrite,
    }

    private HttpMessage CreateMessage(RequestMethod method, string? blobName, string? query, RequestKind kind)
    {
        var message = _pipeline.CreateMessage();
        message.ResponseClassifier = kind == RequestKind.NonIdempotentWrite ? BlobResponseClassifier.NonIdempotent : BlobResponseClassifier.Idempotent;
        var request = message.Request;
        request.Method = method;
        var uri = new StringBuilder(_containerUri.Length + 64).Append(_containerUri);
        if (blobName is not null)
        {
            uri.Append('/');
            AppendEncodedName(uri, blobName);
        }

        if (query is not null)
        {
            uri.Append('?').Append(query);
        }

        request.Uri.Reset(new Uri(uri.ToString()));
        request.Headers.SetValue(BlobHeaders.Version, BlobHeaders.ServiceVersion);
        if (method == RequestMethod.Put)
        {
            // Azure demands a Content-Length on every PUT, 0 included.
            request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);
        }

        return message;
    }

    /// <summary>Percent-encodes each '/'-separated segment of a blob name as UTF-8 (everything but RFC 3986's
    /// unreserved characters), keeping the '/'s: the path the service decodes back to the name, and the one
    /// the SharedKey signature is computed over.</summary>
    internal static void AppendEncodedName(StringBuilder uri, string name)
    {
        var first = true;
        foreach (var segment in name.Split('/'))
        {
            if (!first)
            {
                uri.Append('/');
            }

            uri.Append(Uri.EscapeDataString(segment));
            first = false;
        }
    }

    private static void ApplyCondition(Request request, BlobCondition condition)
    {
        if (condition.IfMatch is { } etag)
        {
            request.Headers.SetValue(BlobHeaders.IfMatch, etag.Value);
        }

        if (condition.IfNoneMatchAny)
        {
            request.Headers.SetValue(BlobHeaders.IfNoneMatch, "*");
        }

        if (condition.LeaseId is { } leaseId)
        {
            request.Headers.SetValue(BlobHeaders.LeaseId, leaseId);
        }
    }

    /// <summary>Sends a request built by <paramref name="create"/> (after making sure the container exists) and
    /// returns the message holding the response, whatever its status; the caller disposes it. Transport
    /// failures that outlast the retries become <see cref="StorageUnavailableException"/>. A write that finds
    /// the container gone (deleted behind our back) recreates it and is sent once more.</summary>
    private async ValueTask<HttpMessage> SendAsync(Func<HttpMessage> create, string blobName, RequestKind kind, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var message = await SendOnceAsync(create(), blobName, kind, cancellationToken).ConfigureAwait(false);
        if (kind != RequestKind.Read && message.Response.Status == 404 && ErrorCode(message.Response) == "ContainerNotFound")
        {
            message.Dispose();
            Volatile.Write(ref _containerReady, null);
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            message = await SendOnceAsync(create(), blobName, kind, cancellationToken).ConfigureAwait(false);
        }

        return message;
    }

    private async ValueTask<HttpMessage> SendOnceAsync(HttpMessage message, string blobName, RequestKind kind, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return message;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            message.Dispose();
            throw;
        }
        catch (Exception ex) when (ex is not StorageException)
        {
            message.Dispose();
            throw TranslateTransportFailure(ex, blobName, kind);
        }
    }

    /// <summary>Creates the container once per store (concurrent first calls share the request; a failed
    /// attempt is forgotten so the next call tries again). <c>ContainerAlreadyExists</c> is success.</summary>
    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        var ready = Volatile.Read(ref _containerReady);
        if (ready is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        if (ready is null || ready.IsFaulted || ready.IsCanceled)
        {
            var fresh = CreateContainerAsync();
            ready = Interlocked.CompareExchange(ref _containerReady, fresh, ready) == ready ? fresh : Volatile.Read(ref _containerReady)!;
        }

        return ready.WaitAsync(cancellationToken);
    }

    private async Task CreateContainerAsync()
    {
        using var message = CreateMessage(RequestMethod.Put, blobName: null, "restype=container", RequestKind.IdempotentWrite);
        try
        {
            await _pipeline.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw TranslateTransportFailure(ex, "", RequestKind.IdempotentWrite);
        }

        var response = message.Response;
        if (response.Status is 201 || (response.Status == 409 && ErrorCode(response) == "ContainerAlreadyExists"))
        {
            return;
        }

        throw Translate(message, $"(container {ContainerName})", RequestKind.IdempotentWrite);
    }

    /// <summary>Deletes the container and everything in it (tests and tools; not part of <see cref="IObjectStore"/>).
    /// The next operation creates it again.</summary>
    internal async ValueTask DeleteContainerAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, blobName: null, "restype=container", RequestKind.NonIdempotentWrite);
        await SendOnceAsync(message, "", RequestKind.NonIdempotentWrite, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _containerReady, null);
        if (message.Response.Status is not (202 or 404))
        {
            throw Translate(message, $"(container {ContainerName})", RequestKind.NonIdempotentWrite);
        }
    }

    private static string? ErrorCode(Response response) =>
        response.Headers.TryGetValue(BlobHeaders.ErrorCode, out var code) ? code : null;

    private static string RequiredHeader(Response response, string name, string blobName) =>
        response.Headers.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value)
            ? value
            : throw new StorageUnavailableException(blobName, $"the response ({response.Status}) has no {name} header", isOutcomeUnknown: false, ErrorCode(response));

    private static long RequiredLong(Response response, string name, string blobName)
    {
        var text = RequiredHeader(response, name, blobName);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StorageUnavailableException(blobName, $"the response's {name} header '{text}' is not a number", isOutcomeUnknown: false);
    }

    private static DateTimeOffset RequiredDate(Response response, string name, string blobName)
    {
        var text = RequiredHeader(response, name, blobName);
        return DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new StorageUnavailableException(blobName, $"the response's {name} header '{text}' is not an RFC 1123 date", isOutcomeUnknown: false);
    }

    private static DateTimeOffset ServerTime(Response response, string blobName) => RequiredDate(response, BlobHeaders.ResponseDate, blobName);

    private static ETag ResponseETag(Response response, string blobName) => new(RequiredHeader(response, BlobHeaders.ETag, blobName));

    private static BlobWriteResult WriteResult(Response response, string blobName) =>
        new(ResponseETag(response, blobName), RequiredDate(response, BlobHeaders.LastModified, blobName), ServerTime(response, blobName));
}
