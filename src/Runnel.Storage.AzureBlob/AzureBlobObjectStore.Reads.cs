using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using Runnel.Buffers;
using SdkBlobItem = Azure.Storage.Blobs.Models.BlobItem;
using SdkBlobProperties = Azure.Storage.Blobs.Models.BlobProperties;

namespace Runnel.Storage.AzureBlob;

/// <content>Get Blob, Get Blob Properties, List Blobs.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <inheritdoc/>
    /// <remarks>One Get Blob request; the body is read straight into one array of exactly the returned length (a body
    /// cut off mid-way is resumed by the SDK from where it stopped). Azure answers a range that starts at or past the
    /// end with 416; that costs one more request (Get Blob Properties) to return empty content with the blob's
    /// properties.</remarks>
    public ValueTask<BlobContent> GetAsync(string name, ByteRange range = default, CancellationToken cancellationToken = default) =>
        GetAsync(name, range, pooled: false, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>As <see cref="GetAsync(string, ByteRange, CancellationToken)"/>, but the body is read into a
    /// <see cref="PooledBuffer"/> (released here if the read fails).</remarks>
    public ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default) =>
        GetAsync(name, range, pooled: true, cancellationToken);

    private async ValueTask<BlobContent> GetAsync(string name, ByteRange range, bool pooled, CancellationToken cancellationToken)
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

        var blob = _container.GetBlobClient(name);
        var download = new BlobDownloadOptions { Range = range.IsAll ? default : new HttpRange(range.Offset, range.Length) };

        // A 416 says the range starts past the end; if the blob grew between that and the properties read,
        // the range may now hold bytes, so read again. Bounded: a blob that keeps growing still gets an answer.
        for (var attempt = 0; ; attempt++)
        {
            var content = await SendAsync(name, RequestKind.Read, ct => DownloadAsync(blob, download, name, range, pooled, ct), cancellationToken).ConfigureAwait(false);
            if (content is not null)
            {
                return content;
            }

            var properties = await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
            if (properties.Length <= range.Offset || attempt == 2)
            {
                return new BlobContent(ReadOnlyMemory<byte>.Empty, range.Offset, properties);
            }
        }
    }

    /// <summary>One download and its body; null when the range starts past the end (416).</summary>
    private static async Task<BlobContent?> DownloadAsync(global::Azure.Storage.Blobs.BlobClient blob, BlobDownloadOptions options, string name, ByteRange range, bool pooled, CancellationToken cancellationToken)
    {
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 416 && !range.IsAll)
        {
            return null;
        }

        using var result = response.Value;
        var details = result.Details;
        if (details.ContentLength > Array.MaxLength)
        {
            throw new StorageConflictException(name, $"the body is {details.ContentLength} bytes; one read returns at most {Array.MaxLength}. Read the blob in ranges");
        }

        var length = (int)details.ContentLength;
        PooledBuffer? buffer = null;
        Memory<byte> body;
        if (pooled)
        {
            buffer = PooledBuffer.Rent(length);
            body = buffer.Memory;
        }
        else
        {
            body = GC.AllocateUninitializedArray<byte>(length);
        }

        try
        {
            await result.Content.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            buffer?.Release();
            throw;
        }

        // 206 carries "Content-Range: bytes first-last/total"; a 200 is the whole blob even if a range was asked.
        long start = 0;
        long total = length;
        if (details.ContentRange is { Length: > 0 } contentRange)
        {
            if (!TryParseContentRange(contentRange, out start, out total))
            {
                buffer?.Release();
                throw new StorageUnavailableException(name, $"the response's Content-Range '{contentRange}' is not 'bytes first-last/total'", isOutcomeUnknown: false);
            }
        }

        ReadOnlyMemory<byte> content = body;
        if (start < range.Offset)
        {
            // The service sent more than asked (a 200 for a ranged read): cut it to the range.
            var skip = (int)Math.Min(range.Offset - start, content.Length);
            content = content[skip..];
        }

        if (range.Length is { } max && content.Length > max)
        {
            content = content[..(int)max];
        }

        var properties = new BlobProperties(
            name,
            total,
            ToETag(details.ETag, name),
            details.LastModified,
            ToKind(details.BlobType, name),
            details.IsSealed,
            details.BlobCommittedBlockCount,
            ToLeaseState(details.LeaseState),
            ServerTime(response.GetRawResponse(), name));
        return new BlobContent(content, range.IsAll ? 0 : range.Offset, properties);
    }

    /// <summary>Reads "bytes first-last/total". Not <c>ContentRangeHeaderValue</c>: Azurite answers a range that starts at
    /// the end with 206 and "bytes 100-99/100" (last before first), which that parser rejects.</summary>
    private static bool TryParseContentRange(string value, out long start, out long total)
    {
        var span = value.AsSpan().Trim();
        var space = span.IndexOf(' ');
        var dash = span.IndexOf('-');
        var slash = span.IndexOf('/');
        total = 0;
        start = 0;
        return space >= 0 && dash > space && slash > dash
            && long.TryParse(span[(space + 1)..dash], NumberStyles.None, CultureInfo.InvariantCulture, out start)
            && long.TryParse(span[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out total);
    }

    /// <inheritdoc/>
    /// <remarks>One Get Blob Properties request.</remarks>
    public async ValueTask<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        var blob = _container.GetBlobClient(name);
        var response = await SendAsync(name, RequestKind.Read, ct => blob.GetPropertiesAsync(conditions: null, ct), cancellationToken).ConfigureAwait(false);
        return ToProperties(response.Value, response.GetRawResponse(), name);
    }

    private static BlobProperties ToProperties(SdkBlobProperties properties, Response response, string name) =>
        new(
            name,
            properties.ContentLength,
            ToETag(properties.ETag, name),
            properties.LastModified,
            ToKind(properties.BlobType, name),
            properties.IsSealed,
            properties.BlobType == BlobType.Append ? properties.BlobCommittedBlockCount : 0,
            ToLeaseState(properties.LeaseState),
            ServerTime(response, name));

    private static BlobKind ToKind(BlobType? type, string name) => type switch
    {
        BlobType.Block => BlobKind.Block,
        BlobType.Append => BlobKind.Append,
        var other => throw new StorageConflictException(name, $"it is a {other?.ToString() ?? "blob of no type"}; this store uses block and append blobs only", "InvalidBlobType"),
    };

    private static BlobLeaseState ToLeaseState(LeaseState? state) => state switch
    {
        null or LeaseState.Available => BlobLeaseState.Available,
        LeaseState.Leased => BlobLeaseState.Leased,
        LeaseState.Expired => BlobLeaseState.Expired,
        LeaseState.Breaking => BlobLeaseState.Breaking,
        LeaseState.Broken => BlobLeaseState.Broken,
        _ => throw new StorageUnavailableException("", $"unknown lease state '{state}'", isOutcomeUnknown: false),
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

        Page<SdkBlobItem>? page;
        try
        {
            page = await SendAsync("", RequestKind.Read, ct => FirstPageAsync(prefix, continuationToken, pageSize, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException ex) when (ex.StoreErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // The container was deleted behind our back: it holds no blobs. The next write recreates it.
            Volatile.Write(ref _containerReady, null);
            if ((ex.InnerException as RequestFailedException)?.GetRawResponse() is not { } raw)
            {
                throw;
            }

            return new BlobListPage([], null, ServerTime(raw, ""));
        }

        var items = new List<BlobItem>(page.Values.Count);
        foreach (var item in page.Values)
        {
            var properties = item.Properties;
            items.Add(new BlobItem(
                item.Name,
                properties.ContentLength ?? 0,
                ToETag(properties.ETag ?? default, item.Name),
                properties.LastModified ?? throw new StorageUnavailableException(item.Name, "the listing has no Last-Modified for it", isOutcomeUnknown: false),
                ToKind(properties.BlobType, item.Name),
                properties.IsSealed ?? false));
        }

        return new BlobListPage(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken, ServerTime(page.GetRawResponse(), ""));
    }

    private async Task<Page<SdkBlobItem>> FirstPageAsync(string prefix, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix.Length > 0 ? prefix : null }, cancellationToken)
            .AsPages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize);
        await foreach (var page in pages.ConfigureAwait(false))
        {
            return page;
        }

        throw new InvalidOperationException("The blob listing returned no page.");
    }
}
