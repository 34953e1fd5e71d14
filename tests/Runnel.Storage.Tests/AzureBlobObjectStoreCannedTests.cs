using FluentAssertions;
using Runnel.Storage.Azure;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>What Azurite cannot show, over a transport that answers with canned responses: bearer-token
/// authentication (Azure.Core sends tokens over https only) and the translation of errors Azurite does not
/// produce on demand (throttling, the 50,000-block limit, refused credentials, rejected requests).</summary>
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
            h["x-ms-version"].Should().Be("2021-08-06");
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
}
