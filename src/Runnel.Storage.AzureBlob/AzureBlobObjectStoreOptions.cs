using Azure.Core;

namespace Runnel.Storage.AzureBlob;

/// <summary>
/// Where and how <see cref="AzureBlobObjectStore"/> reaches Azure Blob Storage. Authenticate one of two ways, never both:
/// <list type="bullet">
/// <item><see cref="ConnectionString"/>: SharedKey (Azurite, dev).</item>
/// <item><see cref="ServiceUri"/> (the account's blob endpoint) with Microsoft Entra ID: the given <see cref="Credential"/>,
/// or, when none is given, <c>DefaultAzureCredential</c> (environment, workload identity, managed identity, developer
/// sign-ins), which uses the user-assigned managed identity <see cref="ManagedIdentityClientId"/> when that is set.</item>
/// </list>
/// <see cref="Validate"/> runs when the store is built and names the field that is wrong.
/// </summary>
public sealed class AzureBlobObjectStoreOptions
{
    /// <summary>A storage connection string with <c>AccountName</c> and <c>AccountKey</c> (and optionally
    /// <c>BlobEndpoint</c>, <c>DefaultEndpointsProtocol</c>, <c>EndpointSuffix</c>), or <c>UseDevelopmentStorage=true</c>.
    /// Parsed by the Azure SDK.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The account's blob endpoint, e.g. <c>https://account.blob.core.windows.net</c>; https only (bearer
    /// tokens are never sent in the clear). Authenticated with <see cref="Credential"/>, or <c>DefaultAzureCredential</c>.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>The identity to authenticate as with <see cref="ServiceUri"/> (scope <c>https://storage.azure.com/.default</c>),
    /// e.g. a <c>ManagedIdentityCredential</c>. Default null: <c>DefaultAzureCredential</c>. The identity needs the
    /// Storage Blob Data Contributor role on the container.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The client id (a GUID) of the user-assigned managed identity <c>DefaultAzureCredential</c> should use, with
    /// <see cref="ServiceUri"/> and no <see cref="Credential"/>. Default null: the system-assigned identity (or whatever
    /// else <c>DefaultAzureCredential</c> finds first).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The container holding every blob of this store (3–63 characters: lowercase letters, digits and
    /// single hyphens, starting and ending with a letter or digit). Created on first use. Required.</summary>
    public string ContainerName { get; set; } = "";

    /// <summary>Retries of one request after a transient failure or throttling (the SDK's retry policy, bounded by
    /// this). Default 3; 0–10.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off between retries, doubled on each (with jitter). Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest back-off between retries. Default 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The time one try of a request may take (sending it, and each read of the response) before it
    /// counts as failed: the SDK's network timeout. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="RunnelException"/> with <see cref="RunnelErrorCode.InvalidArgument"/> naming the
    /// first field that is missing, out of range, or given together with one it excludes.</summary>
    public void Validate()
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString)
        {
            if (ServiceUri is not null || Credential is not null || ManagedIdentityClientId is not null)
            {
                throw Invalid(nameof(ConnectionString), "give either ConnectionString, or ServiceUri (with Credential or ManagedIdentityClientId), not both");
            }
        }
        else
        {
            if (ServiceUri is null)
            {
                throw Invalid(nameof(ServiceUri), "is required (or give ConnectionString)");
            }

            if (!ServiceUri.IsAbsoluteUri || ServiceUri.Scheme != Uri.UriSchemeHttps)
            {
                throw Invalid(nameof(ServiceUri), $"must be an absolute https URI, not '{ServiceUri}'");
            }

            if (ManagedIdentityClientId is not null)
            {
                if (Credential is not null)
                {
                    throw Invalid(nameof(ManagedIdentityClientId), "applies to the default credential only; give either it or Credential, not both");
                }

                if (!Guid.TryParse(ManagedIdentityClientId, out _))
                {
                    throw Invalid(nameof(ManagedIdentityClientId), $"must be the identity's client id, a GUID, not '{ManagedIdentityClientId}'");
                }
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

    internal static RunnelException Invalid(string field, string why) =>
        new(RunnelErrorCode.InvalidArgument, $"{nameof(AzureBlobObjectStoreOptions)}.{field} {why}.");
}
