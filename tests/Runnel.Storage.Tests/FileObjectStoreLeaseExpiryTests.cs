using System.Text;
using FluentAssertions;
using Runnel.Testing;
using Xunit;

namespace Runnel.Storage.Tests;

/// <summary>Lease expiry and break periods, judged on the file store's injected clock (a fake one: no sleeping).</summary>
public sealed class FileObjectStoreLeaseExpiryTests : IDisposable
{
    private readonly TempDirectory _directory = new("file-lease");
    private readonly ManualTimeProvider _time = new();
    private readonly FileObjectStore _store;

    public FileObjectStoreLeaseExpiryTests() => _store = new FileObjectStore(_directory.Path, _time);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Lease_PastDuration_ExpiresAndAnotherClientMayTakeIt()
    {
        await _store.PutAsync("x", Bytes("1"));
        var first = await _store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15));

        _time.Advance(TimeSpan.FromSeconds(14.9));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Leased);
        var blocked = async () => await _store.PutAsync("x", Bytes("2"));
        (await blocked.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Expired);
        await _store.PutAsync("x", Bytes("2"));
        var withOldId = async () => await _store.PutAsync("x", Bytes("3"), new BlobCondition(LeaseId: first.LeaseId));
        (await withOldId.Should().ThrowAsync<PreconditionFailedException>()).Which.Kind.Should().Be(PreconditionKind.Lease);

        var second = await _store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(60));
        second.LeaseId.Should().NotBe(first.LeaseId);
        second.ServerTime.Should().Be(_time.GetUtcNow());
        var renewOld = async () => await _store.RenewLeaseAsync("x", first.LeaseId);
        await renewOld.Should().ThrowAsync<StorageConflictException>("someone else holds the blob now");
    }

    [Fact]
    public async Task RenewLease_AfterExpiryWithNoNewHolder_LeasesAgainForFullDuration()
    {
        await _store.PutAsync("x", Bytes("1"));
        var lease = await _store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(20));
        _time.Advance(TimeSpan.FromSeconds(25));

        var renewed = await _store.RenewLeaseAsync("x", lease.LeaseId);

        renewed.Duration.Should().Be(TimeSpan.FromSeconds(20));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Leased);
        _time.Advance(TimeSpan.FromSeconds(19));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Leased);
        _time.Advance(TimeSpan.FromSeconds(1));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Expired);
    }

    [Fact]
    public async Task Lease_Infinite_NeverExpires()
    {
        await _store.PutAsync("x", Bytes("1"));
        await _store.AcquireLeaseAsync("x", null);

        _time.Advance(TimeSpan.FromDays(400));

        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Leased);
    }

    [Fact]
    public async Task BreakLease_WithPeriod_BreakingUntilPeriodEndsThenBroken()
    {
        await _store.PutAsync("x", Bytes("1"));
        await _store.AcquireLeaseAsync("x", null);

        var left = await _store.BreakLeaseAsync("x", TimeSpan.FromSeconds(10));

        left.Should().Be(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(9));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Breaking);
        (await _store.BreakLeaseAsync("x", TimeSpan.FromSeconds(30))).Should().Be(TimeSpan.FromSeconds(1), "a longer break period does not extend a breaking lease");
        _time.Advance(TimeSpan.FromSeconds(1));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Broken);
        await _store.PutAsync("x", Bytes("2"));
        (await _store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(15))).LeaseId.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task BreakLease_WithoutPeriod_BreaksWhenTheLeaseWouldHaveExpired()
    {
        await _store.PutAsync("x", Bytes("1"));
        await _store.AcquireLeaseAsync("x", TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(20));

        var left = await _store.BreakLeaseAsync("x");
        var capped = await _store.BreakLeaseAsync("x", TimeSpan.FromSeconds(60));

        left.Should().Be(TimeSpan.FromSeconds(10));
        capped.Should().Be(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        (await _store.GetPropertiesAsync("x")).Lease.Should().Be(BlobLeaseState.Broken);
    }

    [Fact]
    public async Task ServerTime_IsTheInjectedClock()
    {
        var put = await _store.PutAsync("x", Bytes("1"));
        _time.Advance(TimeSpan.FromMinutes(3));
        var props = await _store.GetPropertiesAsync("x");

        put.ServerTime.Should().Be(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        put.LastModified.Should().Be(put.ServerTime);
        props.ServerTime.Should().Be(put.ServerTime + TimeSpan.FromMinutes(3));
        props.LastModified.Should().Be(put.LastModified);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
