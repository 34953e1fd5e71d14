using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Runnel.Storage.Azure.Internal;

/// <summary>
/// Reads a List Blobs response body:
/// <code>
/// &lt;EnumerationResults ...&gt;
///   &lt;Blobs&gt;
///     &lt;Blob&gt;
///       &lt;Name [Encoded="true"]&gt;a/b&lt;/Name&gt;           (Encoded: percent-encoded UTF-8)
///       &lt;Properties&gt;
///         &lt;Last-Modified&gt;RFC 1123&lt;/Last-Modified&gt; &lt;Etag&gt;0x8D..&lt;/Etag&gt; &lt;Content-Length&gt;n&lt;/Content-Length&gt;
///         &lt;BlobType&gt;BlockBlob|AppendBlob&lt;/BlobType&gt; &lt;LeaseState&gt;..&lt;/LeaseState&gt; &lt;Sealed&gt;true&lt;/Sealed&gt; ...
///       &lt;/Properties&gt;
///     &lt;/Blob&gt; ...
///   &lt;/Blobs&gt;
///   &lt;NextMarker&gt;opaque, empty on the last page&lt;/NextMarker&gt;
/// &lt;/EnumerationResults&gt;
/// </code>
/// Listing ETags come without the quotes the ETag header has; they are quoted here so that a listed ETag
/// equals the one <c>GetPropertiesAsync</c> returns. Page blobs are skipped (this store never writes them).
/// </summary>
internal static class ListBlobsParser
{
    public static (List<BlobItem> Items, string? NextMarker) Parse(Stream body)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(body, settings);
        var root = XDocument.Load(reader).Root
            ?? throw new StorageUnavailableException("", "the List Blobs response is empty", isOutcomeUnknown: false);
        var items = new List<BlobItem>();
        foreach (var blob in root.Elements("Blobs").Elements("Blob"))
        {
            if (ReadBlob(blob) is { } item)
            {
                items.Add(item);
            }
        }

        var next = root.Element("NextMarker")?.Value;
        return (items, string.IsNullOrEmpty(next) ? null : next);
    }

    private static BlobItem? ReadBlob(XElement blob)
    {
        var nameElement = blob.Element("Name");
        var properties = blob.Element("Properties");
        var etag = properties?.Element("Etag")?.Value;
        var type = properties?.Element("BlobType")?.Value;
        if (nameElement is null || properties is null || etag is null || type is null)
        {
            throw new StorageUnavailableException(nameElement?.Value ?? "", "a List Blobs entry lacks Name, Etag or BlobType", isOutcomeUnknown: false);
        }

        var name = (string?)nameElement.Attribute("Encoded") == "true" ? Uri.UnescapeDataString(nameElement.Value) : nameElement.Value;
        var kind = type switch
        {
            "BlockBlob" => BlobKind.Block,
            "AppendBlob" => BlobKind.Append,
            _ => (BlobKind?)null,
        };
        if (kind is null)
        {
            return null;
        }

        var length = long.Parse(properties.Element("Content-Length")?.Value ?? "0", NumberStyles.None, CultureInfo.InvariantCulture);
        var lastModified = DateTimeOffset.ParseExact(
            properties.Element("Last-Modified")?.Value ?? throw new StorageUnavailableException(name, "a List Blobs entry lacks Last-Modified", isOutcomeUnknown: false),
            "r",
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);
        var isSealed = bool.TryParse(properties.Element("Sealed")?.Value, out var s) && s;
        return new BlobItem(name, length, new ETag(QuoteETag(etag)), lastModified, kind.Value, isSealed);
    }

    internal static string QuoteETag(string etag) =>
        etag.StartsWith('"') || etag.StartsWith("W/", StringComparison.Ordinal) ? etag : $"\"{etag}\"";
}
