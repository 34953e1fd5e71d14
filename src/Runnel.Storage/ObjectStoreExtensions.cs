namespace Runnel.Storage;

/// <summary>Conveniences over <see cref="IObjectStore"/> for expected misses.</summary>
public static class ObjectStoreExtensions
{
    /// <summary>Reads a blob, or returns null when it does not exist.</summary>
    public static async ValueTask<BlobContent?> TryGetAsync(this IObjectStore store, string name, ByteRange range = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            return await store.GetAsync(name, range, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads a blob's properties, or returns null when it does not exist.</summary>
    public static async ValueTask<BlobProperties?> TryGetPropertiesAsync(this IObjectStore store, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            return await store.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Lists every blob under <paramref name="prefix"/>, following continuation tokens.</summary>
    public static async IAsyncEnumerable<BlobItem> ListAllAsync(this IObjectStore store, string prefix, int pageSize = 1000, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string? token = null;
        do
        {
            var page = await store.ListAsync(prefix, token, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }
}
