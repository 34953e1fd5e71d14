namespace Runnel.Storage.Azure.Internal;

/// <summary>Header names and fixed values of the Blob REST API, in one place.</summary>
internal static class BlobHeaders
{
    /// <summary>The service version every request asks for. 2019-12-12 is the first with Append Blob Seal and
    /// <c>x-ms-blob-sealed</c>; 2021-08-06 is well inside what Azure and Azurite 3.35.0 accept.</summary>
    public const string ServiceVersion = "2021-08-06";

    public const string Version = "x-ms-version";
    public const string Date = "x-ms-date";
    public const string Authorization = "Authorization";
    public const string ErrorCode = "x-ms-error-code";
    public const string BlobType = "x-ms-blob-type";
    public const string Range = "x-ms-range";
    public const string LeaseId = "x-ms-lease-id";
    public const string LeaseAction = "x-ms-lease-action";
    public const string LeaseDuration = "x-ms-lease-duration";
    public const string ProposedLeaseId = "x-ms-proposed-lease-id";
    public const string LeaseBreakPeriod = "x-ms-lease-break-period";
    public const string LeaseTime = "x-ms-lease-time";
    public const string LeaseState = "x-ms-lease-state";
    public const string AppendPosition = "x-ms-blob-condition-appendpos";
    public const string MaxSize = "x-ms-blob-condition-maxsize";
    public const string AppendOffset = "x-ms-blob-append-offset";
    public const string CommittedBlockCount = "x-ms-blob-committed-block-count";
    public const string Sealed = "x-ms-blob-sealed";
    public const string IfMatch = "If-Match";
    public const string IfNoneMatch = "If-None-Match";
    public const string ETag = "ETag";
    public const string LastModified = "Last-Modified";
    public const string ContentLength = "Content-Length";
    public const string ContentRange = "Content-Range";
    public const string ResponseDate = "Date";
}
