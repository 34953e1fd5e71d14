using Azure.Core;

namespace Runnel.Storage.Azure;

/// <summary>
/// Where and how <see cref="AzureBlobObjectStore"/> reaches Azure Blob Storage. Give either
/// <see cref="ConnectionString"/> (SharedKey: Azurite, dev) or <see cref="ServiceUri"/> plus <see cref="Credential"/>
/// (Microsoft Entra ID, e.g. a managed identity from Azure.Identity), never both. <see cref="Validate"/> runs when
/// the store is built and names the field that is wrong.
/// </summary>
public sealed class AzureBlobObjectStoreOptions
{
    /// <summary>A storage connection string with <c>AccountName</c> and <c>AccountKey</c> (and optionally
    /// <c>BlobEndpoint</c>, <c>DefaultEndpointsProtocol</c>, <c>EndpointSuffix</c>), or <c>UseDevelopmentStorage=true</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob service endpoint, e.g. <c>https://account.blob.core.windows.net</c>; https only (bearer
    /// tokens are never sent in the clear). Used with <see cref="Credential"/>.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>The identity to authenticate as (scope <c>https://storage.azure.com/.default</c>), e.g.
    /// <c>new ManagedIdentityCredential()</c>. Needs the Storage Blob Data Contributor role on the container.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The container holding every blob of this store (3–63 characters: lowercase letters, digits and
    /// single hyphens, starting and ending with a letter or digit). Created on first use. Required.</summary>
    public string ContainerName { get; set; } = "";

    /// <summary>Retries of one request after a transient failure or throttling. Default 3; 0–10.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off between retries, doubled on each (with jitter). Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest back-off between retries. Default 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The time one try of a request may take (sending it, and each read of the response) before it
    /// counts as failed. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="RunnelException"/> with <see cref="RunnelErrorCode.InvalidArgument"/> naming the
    /// first field that is missing or out of range.</summary>
    public void Validate()
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString && (ServiceUri is not null || Credential is not null))
        {
            throw Invalid(nameof(ConnectionString), "give either ConnectionString, or ServiceUri with Credential, not both");
        }

        if (!hasConnectionString)
        {
            if (ServiceUri is null)
            {
                throw Invalid(nameof(ServiceUri), "is required (or give ConnectionString)");
            }

            if (!ServiceUri.IsAbsoluteUri || ServiceUri.Scheme != Uri.UriSchemeHttps)
            {
                throw Invalid(nameof(ServiceUri), $"must be an absolute https URI, not '{ServiceUri}'");
            }

            if (Credential is null)
            {
                throw Invalid(nameof(Credential), "is required with ServiceUri");
            }
        }

        ValidateContainerName(ContainerName);

        if (MaxRetries is < 0 or > 10)
        {
            throw Invalid(nameof(MaxRetries), $"must be 0–10, not {MaxRetries}");
        }

        if (RetryDelay <= TimeSpan.Zero)
        {
            throw Invalid(nameof(RetryDelay), $"must be positive, not {RetryDelay}");
        }

        if (MaxRetryDelay < RetryDelay)
        {
            throw Invalid(nameof(MaxRetryDelay), $"must be at least RetryDelay ({RetryDelay}), not {MaxRetryDelay}");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw Invalid(nameof(RequestTimeout), $"must be positive, not {RequestTimeout}");
        }
    }

    private static void ValidateContainerName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid(nameof(ContainerName), "is required");
        }

        var ok = name.Length is >= 3 and <= 63
            && char.IsAsciiLetterOrDigit(name[0])
            && char.IsAsciiLetterOrDigit(name[^1])
            && !name.Contains("--", StringComparison.Ordinal);
        foreach (var c in name)
        {
            ok &= char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-';
        }

        if (!ok)
        {
            throw Invalid(nameof(ContainerName), $"'{name}' is not a valid container name (3–63 characters: lowercase letters, digits and single hyphens, starting and ending with a letter or digit)");
        }
    }

    private static RunnelException Invalid(string field, string why) =>
        new(RunnelErrorCode.InvalidArgument, $"{nameof(AzureBlobObjectStoreOptions)}.{field} {why}.");
}
