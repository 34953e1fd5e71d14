using FluentAssertions;
using Azure;
using Runnel.Storage.AzureBlob;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>What Azurite cannot show, over a transport that answers with canned responses: bearer-token
/// authentication through the SDK (Azure.Core sends tokens over https only, and Azurite takes OAuth over https only)
/// and the translation of errors Azurite does not produce on demand (throttling, the 50,000-block limit, refused
/// credentials, rejected requests); and the error table itself, on the SDK's exceptions.</summary>
public sealed class AzureBlobObjectStoreCannedTests
{
    private static readonly Dictionary<string, string> WriteHeaders = new()
    {
        ["ETag"] = "\"0x8D00000000000001\"",
        ["Last-Modified"] = "Sun, 01 Feb 2026 10:00:00 GMT",
    };

    [Fact]
    public async Task TokenCredential_SendsBearerTokenForStorageScope()
    {
        var credential = new AzureBlobObjectStoreOptionsTests.FakeTokenCredential("token-1");
        var transport = new CannedTransport(_ => new CannedResponse(201, null, WriteHeaders));
        var options = new AzureBlobObjectStoreOptions { ServiceUri = new Uri("https://acct.blob.core.windows.net"), Credential = credential, ContainerName = "runnel" };
        var store = new AzureBlobObjectStore(options, transport);

        var result = await store.PutAsync("a b/ü", new byte[] { 1, 2, 3 });

        result.ETag.Value.Should().Be("\"0x8D00000000000001\"");
        result.ServerTime.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        credential.Scopes.Should().Contain("https://storage.azure.com/.default").And.OnlyContain(s => s == "https://storage.azure.com/.default");
        transport.Requests.Should().HaveCount(2);
        transport.Requests[0]["(uri)"].Should().Be("https://acct.blob.core.windows.net/runnel?restype=container");
        transport.Requests[1]["(uri)"].Should().Be("https://acct.blob.core.windows.net/runnel/a%20b/%C3%BC");
        transport.Requests.Should().AllSatisfy(h =>
        {
            h["Authorization"].Should().Be("Bearer token-1");
            h.Should().ContainKey("x-ms-version");
            h.Should().NotContainKey("x-ms-date-signature");
        });
        transport.Requests[1]["x-ms-blob-type"].Should().Be("BlockBlob");
    }

    public static TheoryData<int, string, Type> Errors() => new()
    {
        { 409, "BlockCountExceedsLimit", typeof(StorageConflictException) },
        { 409, "LeaseIsBrokenAndCannotBeRenewed", typeof(StorageConflictException) },
        { 412, "LeaseLost", typeof(PreconditionFailedException) },
        { 429, "TooManyRequests", typeof(StorageThrottledException) },
        { 503, "ServerBusy", typeof(StorageThrottledException) },
        { 502, "BadGateway", typeof(StorageUnavailableException) },
        { 403, "AuthenticationFailed", typeof(StorageUnavailableException) },
        { 400, "InvalidHeaderValue", typeof(RunnelException) },
        { 404, "BlobNotFound", typeof(BlobNotFoundException) },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task AppendBlock_ErrorResponse_TranslatedToTypedErrorKeepingCode(int status, string code, Type expected)
    {
        var transport = new CannedTransport(request => request.Uri.Query.Contains("comp=appendblock", StringComparison.Ordinal)
            ? new CannedResponse(status, code)
            : new CannedResponse(201, null, WriteHeaders));
        var options = new AzureBlobObjectStoreOptions { ConnectionString = "UseDevelopmentStorage=true", ContainerName = "runnel", MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(1) };
        var store = new AzureBlobObjectStore(options, transport);

        var act = async () => await store.AppendBlockAsync("seg", new byte[] { 1 });

        var error = (await act.Should().ThrowAsync<RunnelException>()).Which;
        error.GetType().Should().Be(expected);
        if (error is StorageException storage)
        {
            storage.StoreErrorCode.Should().Be(code);
            storage.BlobName.Should().Be("seg");
        }
        else
        {
            error.Code.Should().Be(RunnelErrorCode.InvalidArgument);
            error.Message.Should().Contain(code);
        }

        if (error is StorageUnavailableException unavailable)
        {
            unavailable.IsOutcomeUnknown.Should().Be(status >= 500, "a 5xx on a write may have been applied; refused credentials were not");
        }

        var appends = transport.Requests.Count(h => h["(uri)"].Contains("comp=appendblock", StringComparison.Ordinal));
        appends.Should().Be(status is 429 or 503 ? 2 : 1, "only throttling is retried for an append");
    }

    public static TheoryData<int, string?, bool, bool, Type, PreconditionKind?> Responses() => new()
    {
        { 404, "BlobNotFound", false, false, typeof(BlobNotFoundException), null },
        { 404, "ContainerNotFound", true, false, typeof(BlobNotFoundException), null },
        { 412, "ConditionNotMet", true, false, typeof(PreconditionFailedException), PreconditionKind.ETagMismatch },
        { 412, "ConditionNotMet", true, true, typeof(PreconditionFailedException), PreconditionKind.AlreadyExists },
        { 412, "AppendPositionConditionNotMet", true, false, typeof(PreconditionFailedException), PreconditionKind.AppendPosition },
        { 412, "MaxBlobSizeConditionNotMet", true, false, typeof(PreconditionFailedException), PreconditionKind.MaxSize },
        { 412, "LeaseIdMissing", true, false, typeof(PreconditionFailedException), PreconditionKind.Lease },
        { 412, "LeaseLost", true, false, typeof(PreconditionFailedException), PreconditionKind.Lease },
        { 409, "BlobAlreadyExists", true, true, typeof(PreconditionFailedException), PreconditionKind.AlreadyExists },
        { 409, "BlobIsSealed", true, false, typeof(BlobSealedException), null },
        { 409, "LeaseAlreadyPresent", true, false, typeof(StorageConflictException), null },
        { 409, "InvalidBlobType", true, false, typeof(StorageConflictException), null },
        { 429, null, true, false, typeof(StorageThrottledException), null },
        { 503, "ServerBusy", false, false, typeof(StorageThrottledException), null },
        { 500, "InternalError", false, false, typeof(StorageUnavailableException), null },
        { 500, "InternalError", true, false, typeof(StorageUnavailableException), null },
        { 408, "OperationTimedOut", true, false, typeof(StorageUnavailableException), null },
        { 403, "AuthorizationPermissionMismatch", true, false, typeof(StorageUnavailableException), null },
        { 400, "InvalidHeaderValue", true, false, typeof(RunnelException), null },
    };

    [Theory]
    [MemberData(nameof(Responses))]
    public void TranslateResponse_SdkRequestFailed_MapsToTypedErrorKeepingCodeAndCause(int status, string? code, bool isWrite, bool ifNoneMatchAny, Type expected, PreconditionKind? kind)
    {
        var failed = new RequestFailedException(status, $"Service request failed. Status: {status} ({code})", code, innerException: null);

        var error = AzureBlobObjectStore.TranslateResponse(failed, "seg", isWrite, ifNoneMatchAny);

        error.GetType().Should().Be(expected);
        if (error is StorageException storage)
        {
            storage.StoreErrorCode.Should().Be(code);
            storage.BlobName.Should().Be("seg");
            storage.InnerException.Should().BeSameAs(failed);
            storage.IsRetriable.Should().Be(status is 429 or 503 or 500 or 408 or 403, "throttling and an unavailable store are worth retrying; a failed condition never is");
        }
        else
        {
            error.Code.Should().Be(RunnelErrorCode.InvalidArgument);
            error.Message.Should().Contain($"{status} {code}");
        }

        if (error is PreconditionFailedException precondition)
        {
            precondition.Kind.Should().Be(kind!.Value);
        }

        if (error is StorageUnavailableException unavailable)
        {
            unavailable.IsOutcomeUnknown.Should().Be(isWrite && status is 500 or 408, "a failed write may have been applied; a read changes nothing, and refused credentials applied nothing");
        }
    }
}
