using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Runnel.Storage.Azure.Internal;

/// <summary>
/// Signs each request (each retry too: it sits after the retry policy) with the account key, as the Blob
/// service's SharedKey scheme defines: sets <c>x-ms-date</c>, builds the string to sign and puts
/// <c>Authorization: SharedKey account:signature</c> on the request.
/// </summary>
/// <remarks>
/// The canonicalized resource is <c>/account</c> followed by the request's path exactly as it goes on the wire
/// (percent-encoded), which for path-style URLs (Azurite) repeats the account: <c>/devstoreaccount1/devstoreaccount1/c/b</c>.
/// Signing the path from the same <see cref="Uri"/> the transport sends is what keeps names with spaces and
/// non-ASCII characters verifiable.
/// </remarks>
internal sealed class SharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    private readonly string _accountName = accountName;
    private readonly byte[] _accountKey = accountKey;

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue(BlobHeaders.Date, DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));

        long contentLength = 0;
        if (request.Content is not null && !request.Content.TryComputeLength(out contentLength))
        {
            throw new InvalidOperationException("SharedKey signing needs a request body of known length.");
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in request.Headers)
        {
            headers.Add(new KeyValuePair<string, string>(header.Name, header.Value));
        }

        var stringToSign = BuildStringToSign(request.Method.Method, headers, contentLength, request.Uri.ToUri(), _accountName);
        request.Headers.SetValue(BlobHeaders.Authorization, $"SharedKey {_accountName}:{Sign(stringToSign, _accountKey)}");
    }

    /// <summary>HMAC-SHA256 of the UTF-8 string to sign, base64.</summary>
    internal static string Sign(string stringToSign, byte[] key) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>
    /// The Blob service's SharedKey string to sign (service version 2015-02-21 and later):
    /// <code>
    /// VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n Content-MD5 \n
    /// Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
    /// x-ms-a:v \n x-ms-b:v \n ...        (x-ms-* headers, names lower-cased, sorted ordinally)
    /// /account/encoded/path              (then \n name:value per query parameter, names lower-cased and
    ///                                     sorted, values decoded; repeated names join their values with ',')
    /// </code>
    /// </summary>
    internal static string BuildStringToSign(string method, IEnumerable<KeyValuePair<string, string>> headers, long contentLength, Uri uri, string accountName)
    {
        var standard = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var msHeaders = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            if (name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                msHeaders[name.ToLowerInvariant()] = value.Trim();
            }
            else
            {
                standard[name] = value;
            }
        }

        string Std(string name) => standard.TryGetValue(name, out var v) ? v : "";

        var sb = new StringBuilder(256);
        sb.Append(method.ToUpperInvariant()).Append('\n')
            .Append(Std("Content-Encoding")).Append('\n')
            .Append(Std("Content-Language")).Append('\n')
            .Append(contentLength > 0 ? contentLength.ToString(CultureInfo.InvariantCulture) : "").Append('\n')
            .Append(Std("Content-MD5")).Append('\n')
            .Append(Std("Content-Type")).Append('\n')
            .Append(Std("Date")).Append('\n')
            .Append(Std("If-Modified-Since")).Append('\n')
            .Append(Std("If-Match")).Append('\n')
            .Append(Std("If-None-Match")).Append('\n')
            .Append(Std("If-Unmodified-Since")).Append('\n')
            .Append(Std("Range")).Append('\n');

        foreach (var (name, value) in msHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        sb.Append('/').Append(accountName).Append(uri.AbsolutePath);

        var query = uri.Query;
        if (query.Length > 1)
        {
            var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
                var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                if (!parameters.TryGetValue(name, out var values))
                {
                    parameters[name] = values = [];
                }

                values.Add(value);
            }

            foreach (var (name, values) in parameters)
            {
                values.Sort(StringComparer.Ordinal);
                sb.Append('\n').Append(name).Append(':').Append(string.Join(',', values));
            }
        }

        return sb.ToString();
    }
}
