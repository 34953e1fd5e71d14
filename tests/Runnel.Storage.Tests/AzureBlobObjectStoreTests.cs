using System.Text;
using Azure.Core.Pipeline;
using FluentAssertions;
using Runnel.Buffers;
using Runnel.Storage.AzureBlob;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>What is particular to the Azure adapter, against Azurite: the service's error codes kept on the typed
/// errors, URL encoding and signing of awkward names, the container's lifecycle, and the retry policy under
/// injected faults (which requests are retried, which surface with an unknown outcome).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobObjectStoreTests(AzuriteFixture azurite)
{
    private readonly FaultInjectingTransport _transport = new(HttpClientTransport.Shared);

    private AzureBlobObjectStore NewStore(int maxRetries = 3, TimeSpan? requestTimeout = null)
    {
        var options = AzuriteStores.Options(azurite);
        options.MaxRetries = maxRetries;
        options.RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        return new AzureBlobObjectStore(options, _transport);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    // ---- error codes ------------------------------------------------------------------------------

    [Fact]
    public async Task Errors_KeepTheServiceErrorCode()
    {
        var store = NewStore();
        var put = await store.PutAsync("block", Bytes("1"));
        await store.PutAsync("block", Bytes("2"));
        await store.CreateAppendBlobAsync("seg");
        await store.AppendBlockAsync("seg", Bytes("abc"));

        async Task<string?> CodeOf(Func<Task> act) => (await act.Should().ThrowAsync<StorageException>()).Which.StoreErrorCode;

        (await CodeOf(async () => await store.GetAsync("missing"))).Should().Be("BlobNotFound");
        (await CodeOf(async () => await store.PutAsync("block", Bytes("3"), BlobCondition.IfETagMatches(put.ETag)))).Should().Be("ConditionNotMet");
        (await CodeOf(async () => await store.PutAsync("block", Bytes("3"), BlobCondition.IfNotExists))).Should().Be("BlobAlreadyExists");
        (await CodeOf(async () => await store.AppendBlockAsync("seg", Bytes("x"), AppendCondition.AtPosition(1)))).Should().Be("AppendPositionConditionNotMet");
        (await CodeOf(async () => await store.AppendBlockAsync("seg", Bytes("x"), new AppendCondition(MaxSize: 3)))).Should().Be("MaxBlobSizeConditionNotMet");
        (await CodeOf(async () => await store.AppendBlockAsync("block", Bytes("x")))).Should().Be("InvalidBlobType");

        var lease = await store.AcquireLeaseAsync("block", null);
        (await CodeOf(async () => await store.PutAsync("block", Bytes("3")))).Should().Be("LeaseIdMissing");
        (await CodeOf(async () => await store.AcquireLeaseAsync("block", null, Guid.NewGuid().ToString()))).Should().Be("LeaseAlreadyPresent");
        (await CodeOf(async () => await store.RenewLeaseAsync("block", Guid.NewGuid().ToString()))).Should().Be("LeaseIdMismatchWithLeaseOperation");
        await store.ReleaseLeaseAsync("block", lease.LeaseId);

        await store.SealAsync("seg");
        var sealedError = await CodeOf(async () => await store.AppendBlockAsync("seg", Bytes("x")));
        sealedError.Should().Be("BlobIsSealed");
    }

    [Fact]
    public async Task RangeStartingPastEnd_AzureAnswers416_TranslatedToEmptyContentWithProperties()
    {
        var store = NewStore();
        await store.PutAsync("r", Bytes("0123456789"));

        var got = await store.GetAsync("r", new ByteRange(11, 4));

        got.Content.Length.Should().Be(0);
        got.Offset.Should().Be(11);
        got.Properties.Length.Should().Be(10);
        _transport.Count("/r").Should().Be(3, "one PUT, the ranged GET answered 416, then one HEAD for the properties");
    }

    [Fact]
    public async Task RenewLease_AcquiredByAnotherStore_ReportsDurationFromService()
    {
        var store = NewStore();
        var other = new AzureBlobObjectStore(AzuriteStores.Options(azurite, store.ContainerName));
        await store.PutAsync("x", Bytes("1"));
        var finite = await other.AcquireLeaseAsync("x", TimeSpan.FromSeconds(40));

        var renewed = await store.RenewLeaseAsync("x", finite.LeaseId);

        renewed.Duration.Should().Be(TimeSpan.FromSeconds(15), "a finite lease of unknown length is reported as the 15 s minimum");
        await other.ReleaseLeaseAsync("x", finite.LeaseId);
        var infinite = await other.AcquireLeaseAsync("x", null);
        (await store.RenewLeaseAsync("x", infinite.LeaseId)).Duration.Should().BeNull();
        (await other.RenewLeaseAsync("x", infinite.LeaseId)).Duration.Should().BeNull();
    }

    // ---- pooled reads -------------------------------------------------------------------------------

    [Fact]
    public async Task GetPooledAsync_ReadsTheRangeIntoAPooledBuffer_GetAsyncDoesNot()
    {
        var store = NewStore();
        var data = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 + 3)).ToArray();
        await store.CreateAppendBlobAsync("seg");
        await store.AppendBlockAsync("seg", data);

        var pooled = await store.GetPooledAsync("seg", new ByteRange(1000, 200_000));
        var plain = await store.GetAsync("seg", new ByteRange(1000, 200_000));

        pooled.Content.ToArray().Should().Equal(data.AsSpan(1000, 200_000).ToArray());
        plain.Content.ToArray().Should().Equal(pooled.Content.ToArray());
        pooled.Properties.Length.Should().Be(300_000);
        PooledBuffer.TryGetFrom(plain.Content, out _).Should().BeFalse();
        PooledBuffer.TryGetFrom(pooled.Content, out var buffer).Should().BeTrue();
        buffer!.Release();
        buffer.IsReleased.Should().BeTrue("the content carried the buffer's one reference");
    }

    // ---- names --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("q?a#b&c=d+e;f,g!h'i(j)k*l@m$n[o]p")]
    [InlineData("100% sure/50%25/%")]
    [InlineData("tab\u00a0nbsp/zero\u200bwidth/ǅ/ﬁ")]
    [InlineData("trailing dot./and dots...")]
    [InlineData("segments/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z")]
    public async Task AwkwardName_SignedEncodedAndRoundTripped(string name)
    {
        var store = NewStore();

        await store.PutAsync(name, Bytes(name));
        await store.CreateAppendBlobAsync(name + "/log");
        await store.AppendBlockAsync(name + "/log", Bytes("a"), AppendCondition.AtPosition(0));
        await store.SealAsync(name + "/log");
        var lease = await store.AcquireLeaseAsync(name, TimeSpan.FromSeconds(15));
        await store.ReleaseLeaseAsync(name, lease.LeaseId);

        (await store.GetAsync(name)).Content.ToArray().Should().Equal(Bytes(name));
        (await store.GetPropertiesAsync(name + "/log")).IsSealed.Should().BeTrue();
        var listed = await store.ListAsync(name);
        listed.Items.Select(i => i.Name).Should().Equal(name, name + "/log");
        await store.DeleteAsync(name);
        (await store.TryGetAsync(name)).Should().BeNull();
    }

    // ---- container ----------------------------------------------------------------------------------

    [Fact]
    public async Task Container_CreatedOnceOnFirstUse_SecondStoreOnSameContainerWorks()
    {
        var store = NewStore();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.PutAsync($"b{i}", Bytes("x")).AsTask()));
        var second = new AzureBlobObjectStore(AzuriteStores.Options(azurite, store.ContainerName));
        var listed = await second.ListAsync("");

        _transport.Count("restype=container&comp=list").Should().Be(0);
        _transport.Requests.Count(r => r.EndsWith("?restype=container", StringComparison.Ordinal)).Should().Be(1, "eight concurrent first calls share one Create Container");
        listed.Items.Should().HaveCount(8, "a second store finds the container there (ContainerAlreadyExists is success)");
    }

    [Fact]
    public async Task Container_DeletedBehindTheStoresBack_WriteRecreatesIt()
    {
        var store = NewStore();
        await store.PutAsync("x", Bytes("1"));
        await store.DeleteContainerAsync();

        (await store.ListAsync("")).Items.Should().BeEmpty("a missing container holds no blobs");
        var get = async () => await store.GetAsync("x");
        await get.Should().ThrowAsync<BlobNotFoundException>();
        await store.PutAsync("y", Bytes("2"));

        (await store.GetAsync("y")).Content.ToArray().Should().Equal(Bytes("2"));
        (await store.TryGetAsync("x")).Should().BeNull();
    }

    // ---- retries and unknown outcomes ----------------------------------------------------------------

    [Fact]
    public async Task AppendBlock_ResponseLost_NotRetriedOutcomeUnknownAndBlockLandedOnce()
    {
        var store = NewStore();
        await store.CreateAppendBlobAsync("seg");
        _transport.Inject("comp=appendblock", Fault.LoseResponse);

        var act = async () => await store.AppendBlockAsync("seg", Bytes("abc"));

        var error = (await act.Should().ThrowAsync<StorageUnavailableException>()).Which;
        error.IsOutcomeUnknown.Should().BeTrue();
        error.IsRetriable.Should().BeTrue();
        _transport.Count("comp=appendblock").Should().Be(1, "a non-idempotent write is not repeated once sent");
        (await store.GetPropertiesAsync("seg")).Length.Should().Be(3, "the store applied the append whose response was lost");
    }

    [Fact]
    public async Task ConditionalPut_ResponseLost_NotRetriedOutcomeUnknown()
    {
        var store = NewStore();
        _transport.Inject("PUT /devstoreaccount1/" + store.ContainerName + "/owner", Fault.LoseResponse);

        var act = async () => await store.PutAsync("owner", Bytes("me"), BlobCondition.IfNotExists);

        (await act.Should().ThrowAsync<StorageUnavailableException>()).Which.IsOutcomeUnknown.Should().BeTrue();
        _transport.Count("/owner").Should().Be(1, "a repeat would report AlreadyExists for our own create");
        (await store.GetAsync("owner")).Content.ToArray().Should().Equal(Bytes("me"));
    }

    [Fact]
    public async Task AppendBlock_ConnectionRefused_RetriedAndAppendedOnce()
    {
        var store = NewStore();
        await store.CreateAppendBlobAsync("seg");
        _transport.Inject("comp=appendblock", Fault.RefuseConnection, times: 2);

        var result = await store.AppendBlockAsync("seg", Bytes("abc"), AppendCondition.AtPosition(0));

        result.AppendOffset.Should().Be(0);
        _transport.Count("comp=appendblock").Should().Be(3, "a request that never left may be sent again");
        (await store.GetPropertiesAsync("seg")).Length.Should().Be(3);
    }

    [Fact]
    public async Task AppendBlock_InternalError_NotRetriedOutcomeUnknown()
    {
        var store = NewStore();
        await store.CreateAppendBlobAsync("seg");
        _transport.Inject("comp=appendblock", Fault.InternalError);

        var act = async () => await store.AppendBlockAsync("seg", Bytes("abc"));

        var error = (await act.Should().ThrowAsync<StorageUnavailableException>()).Which;
        error.IsOutcomeUnknown.Should().BeTrue();
        error.StoreErrorCode.Should().Be("InternalError");
        _transport.Count("comp=appendblock").Should().Be(1);
    }

    [Fact]
    public async Task AppendBlock_Timeout_NotRetriedOutcomeUnknown()
    {
        var store = NewStore(requestTimeout: TimeSpan.FromMilliseconds(300));
        await store.CreateAppendBlobAsync("seg");
        _transport.Inject("comp=appendblock", Fault.Hang);

        var act = async () => await store.AppendBlockAsync("seg", Bytes("abc"));

        var error = (await act.Should().ThrowAsync<StorageUnavailableException>()).Which;
        error.IsOutcomeUnknown.Should().BeTrue();
        error.Message.Should().Contain("timed out");
        _transport.Count("comp=appendblock").Should().Be(1);
    }

    [Fact]
    public async Task Get_ResponseLostThenTimeout_RetriedAndSucceeds()
    {
        var store = NewStore(requestTimeout: TimeSpan.FromMilliseconds(300));
        await store.PutAsync("x", Bytes("hello"));
        _transport.Inject("GET /devstoreaccount1/" + store.ContainerName + "/x", Fault.LoseResponse);
        _transport.Inject("GET /devstoreaccount1/" + store.ContainerName + "/x", Fault.Hang);

        var got = await store.GetAsync("x");

        got.Content.ToArray().Should().Equal(Bytes("hello"));
        _transport.Count("GET /devstoreaccount1/" + store.ContainerName + "/x").Should().Be(3);
    }

    [Fact]
    public async Task Get_InternalErrorEveryTry_UnavailableWithKnownOutcomeAfterRetries()
    {
        var store = NewStore(maxRetries: 2);
        await store.PutAsync("x", Bytes("hello"));
        _transport.Inject("GET /devstoreaccount1/" + store.ContainerName + "/x", Fault.InternalError, times: 10);

        var act = async () => await store.GetAsync("x");

        var error = (await act.Should().ThrowAsync<StorageUnavailableException>()).Which;
        error.IsOutcomeUnknown.Should().BeFalse("a read changes nothing");
        _transport.Count("GET /devstoreaccount1/" + store.ContainerName + "/x").Should().Be(3);
    }

    [Fact]
    public async Task AppendBlock_ThrottledTwice_RetriedAndAppendedOnce()
    {
        var store = NewStore();
        await store.CreateAppendBlobAsync("seg");
        _transport.Inject("comp=appendblock", Fault.Throttle, times: 2);

        await store.AppendBlockAsync("seg", Bytes("abc"), AppendCondition.AtPosition(0));

        _transport.Count("comp=appendblock").Should().Be(3, "503 ServerBusy means the store did not apply it");
        (await store.GetPropertiesAsync("seg")).Length.Should().Be(3);
    }

    [Fact]
    public async Task Put_ThrottledEveryTry_ThrowsThrottledAndWritesNothing()
    {
        var store = NewStore(maxRetries: 2);
        await store.PutAsync("other", Bytes("creates the container"));
        _transport.Inject("/x", Fault.Throttle, times: 10);

        var act = async () => await store.PutAsync("x", Bytes("1"));

        var error = (await act.Should().ThrowAsync<StorageThrottledException>()).Which;
        error.StoreErrorCode.Should().Be("ServerBusy");
        error.IsRetriable.Should().BeTrue();
        _transport.Count("/x").Should().Be(3);
        (await new AzureBlobObjectStore(AzuriteStores.Options(azurite, store.ContainerName)).TryGetAsync("x")).Should().BeNull();
    }

    [Fact]
    public async Task FailedCondition_NeverRetried()
    {
        var store = NewStore();
        await store.PutAsync("x", Bytes("1"));

        var act = async () => await store.PutAsync("x", Bytes("2"), BlobCondition.IfNotExists);

        await act.Should().ThrowAsync<PreconditionFailedException>();
        _transport.Count("/x").Should().Be(2);
    }

    [Fact]
    public async Task NothingListening_UnavailableWithKnownOutcome()
    {
        var options = AzuriteStores.Options(azurite);
        options.ConnectionString = options.ConnectionString!.Replace($":{azurite.Port}/", $":{FreePort.Next()}/", StringComparison.Ordinal);
        options.MaxRetries = 1;
        var store = new AzureBlobObjectStore(options);

        var act = async () => await store.AppendBlockAsync("seg", Bytes("a"));

        var error = (await act.Should().ThrowAsync<StorageUnavailableException>()).Which;
        error.IsOutcomeUnknown.Should().BeFalse("a refused connection carried nothing to the store");
    }

    [Fact]
    public async Task Cancelled_ThrowsOperationCanceled()
    {
        var store = NewStore();
        await store.PutAsync("x", Bytes("1"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var act = async () => await store.GetAsync("x", cancellationToken: cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }
}
