using Azure;
using Azure.Storage.Blobs.Models;
using Runnel.Storage.AzureBlob.Internal;

namespace Runnel.Storage.AzureBlob;

/// <content>Sending SDK calls (retry marking, error translation), creating the container once.</content>
public sealed partial class AzureBlobObjectStore
{
    /// <summary>What a request is, for retries and error translation.</summary>
    private enum RequestKind
    {
        /// <summary>Changes nothing; the SDK retries it on any transient failure.</summary>
        Read,

        /// <summary>A write whose repeat has the same effect; the SDK retries it on any transient failure.</summary>
        IdempotentWrite,

        /// <summary>A write whose repeat could do harm or fail its own condition; not repeated once it may have
        /// been sent (<see cref="StoreRetryPolicy.AtMostOnce"/>).</summary>
        AtMostOnceWrite,
    }

    /// <summary>
    /// Runs one SDK call (after making sure the container exists), translating what it throws into typed storage
    /// errors (<c>ifNoneMatchAny</c>: the call carries <c>If-None-Match: *</c>, so a 412 means "the blob exists").
    /// A write that finds the container gone (deleted behind our back) recreates it and is sent once more.
    /// </summary>
    private async ValueTask<T> SendAsync<T>(string blobName, RequestKind kind, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool ifNoneMatchAny = false)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using (kind == RequestKind.AtMostOnceWrite ? StoreRetryPolicy.AtMostOnce() : null)
                {
                    return await call(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException ex) when (attempt == 0 && kind != RequestKind.Read && ex.Status == 404 && ex.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                Volatile.Write(ref _containerReady, null);
                await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (IsStoreFailure(ex))
            {
                throw Translate(ex, blobName, kind, ifNoneMatchAny);
            }
        }
    }

    /// <summary>Creates the container once per store (concurrent first calls share the request; a failed
    /// attempt is forgotten so the next call tries again). One that already exists is success.</summary>
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
        try
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Translate(ex, $"(container {ContainerName})", RequestKind.IdempotentWrite, ifNoneMatchAny: false);
        }
    }

    /// <summary>Deletes the container and everything in it (tests and tools; not part of <see cref="IObjectStore"/>).
    /// The next operation creates it again.</summary>
    internal async ValueTask DeleteContainerAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using (StoreRetryPolicy.AtMostOnce())
            {
                await _container.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Translate(ex, $"(container {ContainerName})", RequestKind.AtMostOnceWrite, ifNoneMatchAny: false);
        }
        finally
        {
            Volatile.Write(ref _containerReady, null);
        }
    }

    /// <summary>The store's clock: the response's Date header.</summary>
    private static DateTimeOffset ServerTime(Response response, string blobName) =>
        response.Headers.Date ?? throw new StorageUnavailableException(blobName, $"the response ({response.Status}) has no Date header", isOutcomeUnknown: false);

    /// <summary>An ETag as the ETag header has it, quoted: listings give them without the quotes, so that a listed
    /// ETag equals the one a write or a properties read returned (and works in If-Match) they are quoted here.</summary>
    private static ETag ToETag(global::Azure.ETag etag, string blobName)
    {
        var text = etag == default ? throw new StorageUnavailableException(blobName, "the response has no ETag", isOutcomeUnknown: false) : etag.ToString();
        return new(text.StartsWith('"') || text.StartsWith("W/", StringComparison.Ordinal) ? text : $"\"{text}\"");
    }

    private static global::Azure.ETag ToSdkETag(ETag etag) => new(etag.Value);

    private static BlobRequestConditions? ToConditions(BlobCondition condition) =>
        condition.IfMatch is null && !condition.IfNoneMatchAny && condition.LeaseId is null
            ? null
            : new BlobRequestConditions
            {
                IfMatch = condition.IfMatch is { } etag ? ToSdkETag(etag) : null,
                IfNoneMatch = condition.IfNoneMatchAny ? global::Azure.ETag.All : null,
                LeaseId = condition.LeaseId,
            };

    private static AppendBlobRequestConditions? ToAppendConditions(BlobCondition condition) =>
        condition.IfMatch is null && !condition.IfNoneMatchAny && condition.LeaseId is null
            ? null
            : new AppendBlobRequestConditions
            {
                IfMatch = condition.IfMatch is { } etag ? ToSdkETag(etag) : null,
                IfNoneMatch = condition.IfNoneMatchAny ? global::Azure.ETag.All : null,
                LeaseId = condition.LeaseId,
            };

    private static BlobWriteResult WriteResult(BlobContentInfo info, Response response, string blobName) =>
        new(ToETag(info.ETag, blobName), info.LastModified, ServerTime(response, blobName));
}
