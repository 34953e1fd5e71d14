namespace Runnel.Storage.Azure.Internal;

/// <summary>
/// The parts of an Azure Storage connection string the blob store needs: the account, its key and the blob
/// endpoint. Understands <c>AccountName</c>, <c>AccountKey</c>, <c>BlobEndpoint</c>,
/// <c>DefaultEndpointsProtocol</c>, <c>EndpointSuffix</c> and <c>UseDevelopmentStorage=true</c> (Azurite's
/// well-known account on <c>http://127.0.0.1:10000/devstoreaccount1</c>). Keys are case-insensitive; values may
/// contain '=' (base64 keys do). Error messages name the field and never echo the key.
/// </summary>
internal sealed class AzureStorageConnectionString
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    internal const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    internal const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private AzureStorageConnectionString(string accountName, byte[] accountKey, Uri blobEndpoint)
    {
        AccountName = accountName;
        AccountKey = accountKey;
        BlobEndpoint = blobEndpoint;
    }

    public string AccountName { get; }

    /// <summary>The decoded account key (the HMAC-SHA256 key).</summary>
    public byte[] AccountKey { get; }

    /// <summary>The blob service endpoint, without a trailing '/': <c>https://acct.blob.core.windows.net</c>, or
    /// path-style <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>Parses <paramref name="connectionString"/>.</summary>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidArgument"/>, naming the field that is missing or malformed.</exception>
    public static AzureStorageConnectionString Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw Invalid("it is empty");
        }

        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var rawPart in connectionString.Split(';'))
        {
            var part = rawPart.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Invalid($"the part '{Redact(part)}' is not Key=Value");
            }

            var key = part[..eq].Trim();
            if (!parts.TryAdd(key, part[(eq + 1)..].Trim()))
            {
                throw Invalid($"{key} is given twice");
            }
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var isDev) && isDev)
        {
            if (parts.ContainsKey("DevelopmentStorageProxyUri"))
            {
                throw Invalid("DevelopmentStorageProxyUri is not supported");
            }

            return new AzureStorageConnectionString(
                DevelopmentAccountName,
                Convert.FromBase64String(DevelopmentAccountKey),
                new Uri("http://127.0.0.1:10000/" + DevelopmentAccountName));
        }

        if (parts.ContainsKey("SharedAccessSignature"))
        {
            throw Invalid("SharedAccessSignature is not supported; give AccountName and AccountKey, or use a TokenCredential");
        }

        var accountName = Required(parts, "AccountName");
        var keyText = Required(parts, "AccountKey");
        byte[] accountKey;
        try
        {
            accountKey = Convert.FromBase64String(keyText);
        }
        catch (FormatException)
        {
            throw Invalid("AccountKey is not valid base64");
        }

        Uri endpoint;
        if (parts.TryGetValue("BlobEndpoint", out var blobEndpoint))
        {
            if (!Uri.TryCreate(blobEndpoint, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
            {
                throw Invalid($"BlobEndpoint '{blobEndpoint}' is not an absolute http(s) URI");
            }

            endpoint = TrimTrailingSlash(parsed);
        }
        else
        {
            var protocol = parts.TryGetValue("DefaultEndpointsProtocol", out var p) ? p.ToLowerInvariant() : "https";
            if (protocol is not ("http" or "https"))
            {
                throw Invalid($"DefaultEndpointsProtocol '{protocol}' is neither http nor https");
            }

            var suffix = parts.TryGetValue("EndpointSuffix", out var s) ? s : "core.windows.net";
            if (!Uri.TryCreate($"{protocol}://{accountName}.blob.{suffix}", UriKind.Absolute, out var built))
            {
                throw Invalid($"AccountName '{accountName}' and EndpointSuffix '{suffix}' do not make a valid host name");
            }

            endpoint = built;
        }

        return new AzureStorageConnectionString(accountName, accountKey, endpoint);
    }

    private static string Required(Dictionary<string, string> parts, string field) =>
        parts.TryGetValue(field, out var value) && value.Length > 0 ? value : throw Invalid($"{field} is missing");

    private static Uri TrimTrailingSlash(Uri uri)
    {
        var text = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(text);
    }

    private static string Redact(string part) =>
        part.StartsWith("AccountKey", StringComparison.OrdinalIgnoreCase) ? "AccountKey..." : part;

    private static RunnelException Invalid(string why) =>
        new(RunnelErrorCode.InvalidArgument, $"Invalid Azure Storage connection string: {why}.");
}
