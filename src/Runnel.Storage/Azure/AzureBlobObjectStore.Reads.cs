using System.Globalization;
using Azure;
using Azure.Core;
using Runnel.Storage.Azure.Internal;

namespace Runnel.Storage.Azure;

/// <content>Get Blob, Get Blob Properties, List Blobs.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <inheritdoc/>
    /// <remarks>One GET (<c>x-ms-range</c> for a range). The body is read straight into the returned array.
    /// Azure answers a range that starts at or past the end with 416; that costs one more request (Get Blob
    /// Properties) to return empty content with the blob's properties.</remarks>
    public async ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        if (range.Offset < 0 || range.Length < 0)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid range {range} for blob '{name}': offset and length must not be negative.");
        }

        if (range.Length == 0)
        {
            return new BlobContent(ReadOnlyMemory<byte>.Empty, range.Offset, await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false));
        }

        // A 416 says the range starts past the end; if the blob grew between that and the properties read,
        // the range may now hold bytes, so read again. Bounded: a blob that keeps growing still gets an answer.
        for (var attempt = 0; ; attempt++)
        {
            using var message = await SendAsync(() => CreateGetMessage(name, range), name, RequestKind.Read, cancellationToken).ConfigureAwait(false);
            var response = message.Response;
            if (response.Status == 416 && !range.IsAll)
            {
                var properties = await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
                if (properties.Length <= range.Offset || attempt == 2)
                {
                    return new BlobContent(ReadOnlyMemory<byte>.Empty, range.Offset, properties);
                }

                continue;
            }

            if (response.Status is not (200 or 206))
            {
                throw Translate(message, name, RequestKind.Read);
            }

            return ReadContent(response, name, range);
        }
    }

    private HttpMessage CreateGetMessage(string name, ByteRange range)
    {
        var message = CreateMessage(RequestMethod.Get, name, query: null, RequestKind.Read);
        if (!range.IsAll)
        {
            var header = range.Length is { } length
                ? $"bytes={range.Offset}-{range.Offset + length - 1}"
                : $"bytes={range.Offset}-";
            message.Request.Headers.SetValue(BlobHeaders.Range, header);
        }

        ExactBodyPolicy.Mark(message);
        return message;
    }

    private static BlobContent ReadContent(Response response, string name, ByteRange range)
    {
        var body = response.ContentStream is MemoryStream stream && stream.TryGetBuffer(out var segment)
            ? segment
            : throw new InvalidOperationException("The blob body was not read by ExactBodyPolicy.");

        // 206 carries "Content-Range: bytes first-last/total"; a 200 is the whole blob even if a range was asked.
        long start = 0;
        long total = body.Count;
        if (response.Headers.TryGetValue(BlobHeaders.ContentRange, out var contentRange))
        {
            (start, total) = ParseContentRange(contentRange, name);
        }

        ReadOnlyMemory<byte> content = body;
        if (start < range.Offset)
        {
            // The service sent more than asked (a 200 for a ranged read): cut it to the range.
            var skip = (int)Math.Min(range.Offset - start, content.Length);
            content = content[skip..];
            start += skip;
        }

        if (range.Length is { } max && content.Length > max)
        {
            content = content[..(int)max];
        }

        return new BlobContent(content, range.IsAll ? 0 : range.Offset, ReadProperties(response, name, total));
    }

    private static (long Start, long Total) ParseContentRange(string value, string name)
    {
        // bytes 0-99/1234
        var span = value.AsSpan().Trim();
        var space = span.IndexOf(' ');
        var dash = span.IndexOf('-');
        var slash = span.IndexOf('/');
        if (space < 0 || dash < space || slash < dash
            || !long.TryParse(span[(space + 1)..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var total))
        {
            throw new StorageUnavailableException(name, $"the response's Content-Range '{value}' is not 'bytes first-last/total'", isOutcomeUnknown: false);
        }

        return (start, total);
    }

    /// <inheritdoc/>
    /// <remarks>One HEAD request.</remarks>
    public async ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        using var message = await SendAsync(() => CreateMessage(RequestMethod.Head, name, query: null, RequestKind.Read), name, RequestKind.Read, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw Translate(message, name, RequestKind.Read);
        }

        return ReadProperties(response, name, RequiredLong(response, BlobHeaders.ContentLength, name));
    }

    private static BlobProperties ReadProperties(Response response, string name, long length)
    {
        var kind = RequiredHeader(response, BlobHeaders.BlobType, name) switch
        {
            "BlockBlob" => BlobKind.Block,
            "AppendBlob" => BlobKind.Append,
            var other => throw new StorageConflictException(name, $"it is a {other}; this store uses block and append blobs only", "InvalidBlobType"),
        };
        var isSealed = response.Headers.TryGetValue(BlobHeaders.Sealed, out var sealedText) && bool.TryParse(sealedText, out var s) && s;
        var blocks = kind == BlobKind.Append && response.Headers.TryGetValue(BlobHeaders.CommittedBlockCount, out var countText)
            && int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
        var lease = response.Headers.TryGetValue(BlobHeaders.LeaseState, out var leaseText) ? ParseLeaseState(leaseText) : BlobLeaseState.Available;
        return new BlobProperties(
            name,
            length,
            ResponseETag(response, name),
            RequiredDate(response, BlobHeaders.LastModified, name),
            kind,
            isSealed,
            blocks,
            lease,
            ServerTime(response, name));
    }

    internal static BlobLeaseState ParseLeaseState(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "available" => BlobLeaseState.Available,
        "leased" => BlobLeaseState.Leased,
        "expired" => BlobLeaseState.Expired,
        "breaking" => BlobLeaseState.Breaking,
        "broken" => BlobLeaseState.Broken,
        _ => throw new StorageUnavailableException("", $"unknown lease state '{value}'", isOutcomeUnknown: false),
    };

    /// <inheritdoc/>
    /// <remarks>One List Blobs request; <paramref name="pageSize"/> is 1–<see cref="ObjectStoreLimits.MaxListPageSize"/>.
    /// The continuation token is the service's opaque marker. Azure may return fewer items than asked even
    /// when more follow (the token says so).</remarks>
    public async ValueTask<BlobListPage> ListAsync(string prefix, string? continuationToken = null, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (pageSize is < 1 or > ObjectStoreLimits.MaxListPageSize)
        {
            throw new RunnelException(RunnelErrorCode.InvalidArgument, $"Invalid page size {pageSize}: it must be 1–{ObjectStoreLimits.MaxListPageSize}.");
        }

        var query = $"restype=container&comp=list&maxresults={pageSize.ToString(CultureInfo.InvariantCulture)}";
        if (prefix.Length > 0)
        {
            query += "&prefix=" + Uri.EscapeDataString(prefix);
        }

        if (!string.IsNullOrEmpty(continuationToken))
        {
            query += "&marker=" + Uri.EscapeDataString(continuationToken);
        }

        using var message = await SendAsync(() => CreateMessage(RequestMethod.Get, blobName: null, query, RequestKind.Read), "", RequestKind.Read, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status == 404 && ErrorCode(response) == "ContainerNotFound")
        {
            // The container was deleted behind our back: it holds no blobs. The next write recreates it.
            Volatile.Write(ref _containerReady, null);
            return new BlobListPage([], null, ServerTime(response, ""));
        }

        if (response.Status != 200)
        {
            throw Translate(message, "", RequestKind.Read);
        }

        var (items, next) = ListBlobsParser.Parse(response.ContentStream ?? Stream.Null);
        return new BlobListPage(items, string.IsNullOrEmpty(next) ? null : next, ServerTime(response, ""));
    }
}
