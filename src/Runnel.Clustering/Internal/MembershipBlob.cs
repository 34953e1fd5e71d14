using System.Text.Json;
using Runnel.Storage;

namespace Runnel.Clustering.Internal;

/// <summary>
/// Reads and conditionally writes one cluster's membership blob. Each call is one storage round trip.
/// Thread-safe (it holds no state besides the store and the name).
/// </summary>
internal sealed class MembershipBlob(IObjectStore store, string blobName)
{
    public string Name { get; } = blobName;

    /// <summary>Reads the table. A blob that does not exist reads as <see cref="MembershipDocument.Empty"/> with a null
    /// ETag, so that the first writer creates it with <c>If-None-Match: *</c>.</summary>
    /// <exception cref="StorageCorruptException">The blob is not a membership document this code can read.</exception>
    public async ValueTask<(MembershipDocument Document, ETag? ETag)> ReadAsync(CancellationToken cancellationToken = default)
    {
        BlobContent content;
        try
        {
            content = await store.GetAsync(Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return (MembershipDocument.Empty(), null);
        }

        MembershipDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(content.Content.Span, MembershipJsonContext.Default.MembershipDocument);
        }
        catch (JsonException ex)
        {
            throw new StorageCorruptException(Name, "not a membership document: " + ex.Message, ex);
        }

        if (document is null)
        {
            throw new StorageCorruptException(Name, "the membership document is null.");
        }

        if (document.Format is < 1 or > MembershipDocument.CurrentFormat)
        {
            throw new StorageCorruptException(Name, $"membership format {document.Format} is not supported (this version reads 1..{MembershipDocument.CurrentFormat}).");
        }

        return (document, content.Properties.ETag);
    }

    /// <summary>Writes <paramref name="document"/> if the blob still has <paramref name="expected"/> as its ETag (or,
    /// when it is null, still does not exist). Returns false, having written nothing, when the blob changed since.</summary>
    public async ValueTask<bool> TryWriteAsync(MembershipDocument document, ETag? expected, CancellationToken cancellationToken = default)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, MembershipJsonContext.Default.MembershipDocument);
        var condition = expected is { } etag ? BlobCondition.IfETagMatches(etag) : BlobCondition.IfNotExists;
        try
        {
            await store.PutAsync(Name, bytes, condition, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }

    /// <summary>Deletes the blob; a blob that is already gone is not an error.</summary>
    public async ValueTask DeleteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await store.DeleteAsync(Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
        }
    }
}
