using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Runnel.Storage;
using Xunit;

namespace Runnel.Clustering.Tests.Membership;

/// <summary>
/// Orleans' <see cref="IMembershipTable"/> contract, for <see cref="ObjectStoreMembershipTable"/> over every
/// <see cref="IObjectStore"/> implementation (file store, Azurite). Each test uses a fresh cluster id.
/// </summary>
public abstract class MembershipTableContract
{
    private readonly string _clusterId = "c" + Guid.NewGuid().ToString("N")[..12];

    protected abstract IObjectStore Store { get; }

    private ObjectStoreMembershipTable NewTable(string? clusterId = null, int maxConflictRetries = 64) => new(
        Store,
        Options.Create(new ClusterOptions { ClusterId = clusterId ?? _clusterId, ServiceId = "svc" }),
        Options.Create(new RunnelClusteringOptions { MaxConflictRetries = maxConflictRetries }),
        NullLogger<ObjectStoreMembershipTable>.Instance);

    private async Task<ObjectStoreMembershipTable> InitializedTableAsync()
    {
        var table = NewTable();
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    [Fact]
    public async Task ReadAll_NewTable_IsEmptyAtVersionZero()
    {
        var table = await InitializedTableAsync();

        var data = await table.ReadAllAsync();

        data.Members.Should().BeEmpty();
        data.Version.Version.Should().Be(0);
        data.Version.VersionEtag.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task ReadAll_BeforeAnyInitialization_IsEmptyAndInsertCreatesTheBlob()
    {
        var table = NewTable();
        var data = await table.ReadAllAsync();
        data.Members.Should().BeEmpty();

        (await table.InsertRowAsync(MembershipEntries.New(), data.Version.Next())).Should().BeTrue();

        (await table.ReadAllAsync()).Members.Should().ContainSingle();
    }

    [Fact]
    public async Task InitializeMembershipTable_ManySilosAtOnce_OneEmptyTableAndLaterInitsKeepRows()
    {
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => NewTable().InitializeMembershipTableAsync(true)));
        var table = NewTable();
        var version = (await table.ReadAllAsync()).Version;
        (await table.InsertRowAsync(MembershipEntries.New(), version.Next())).Should().BeTrue();

        await NewTable().InitializeMembershipTableAsync(true);

        var data = await table.ReadAllAsync();
        data.Members.Should().ContainSingle();
        data.Version.Version.Should().Be(1);
    }

    [Fact]
    public async Task InsertRow_CurrentVersion_AddsRowAndTakesTheGivenVersionWithANewEtag()
    {
        var table = await InitializedTableAsync();
        var before = (await table.ReadAllAsync()).Version;
        var entry = MembershipEntries.New();

        (await table.InsertRowAsync(entry, before.Next())).Should().BeTrue();

        var data = await table.ReadAllAsync();
        data.Version.Version.Should().Be(1);
        data.Version.VersionEtag.Should().NotBe(before.VersionEtag);
        data.Members.Should().ContainSingle();
        data.Members[0].Item1.ToFullString().Should().Be(entry.ToFullString());
        data.Members[0].Item2.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task InsertRow_StaleVersionEtag_ReturnsFalseAndChangesNothing()
    {
        var table = await InitializedTableAsync();
        var stale = (await table.ReadAllAsync()).Version.Next();
        (await table.InsertRowAsync(MembershipEntries.New(), stale)).Should().BeTrue();
        var after = await table.ReadAllAsync();

        (await table.InsertRowAsync(MembershipEntries.New(), stale)).Should().BeFalse();

        var data = await table.ReadAllAsync();
        data.Members.Should().ContainSingle();
        data.Version.Should().Be(after.Version);
    }

    [Fact]
    public async Task InsertRow_SiloAlreadyPresent_ReturnsFalseEvenWithTheCurrentVersion()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var current = (await table.ReadAllAsync()).Version;

        (await table.InsertRowAsync(entry, current.Next())).Should().BeFalse();

        var data = await table.ReadAllAsync();
        data.Members.Should().ContainSingle();
        data.Version.Should().Be(current);
    }

    [Fact]
    public async Task UpdateRow_CurrentEtags_ReplacesTheRowAndBumpsTheVersion()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var data = await table.ReadAllAsync();
        var rowETag = data.Members[0].Item2;

        entry.Status = SiloStatus.Active;
        entry.SuspectTimes = null;
        (await table.UpdateRowAsync(entry, rowETag, data.Version.Next())).Should().BeTrue();

        var after = await table.ReadAllAsync();
        after.Version.Version.Should().Be(2);
        after.Version.VersionEtag.Should().NotBe(data.Version.VersionEtag);
        after.Members.Should().ContainSingle();
        after.Members[0].Item1.ToFullString().Should().Be(entry.ToFullString());
        after.Members[0].Item2.Should().NotBe(rowETag);
    }

    [Fact]
    public async Task UpdateRow_StaleRowEtagOrVersionEtagOrMissingRow_ReturnsFalseAndChangesNothing()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var first = await table.ReadAllAsync();
        var firstRowETag = first.Members[0].Item2;
        entry.Status = SiloStatus.Active;
        (await table.UpdateRowAsync(entry, firstRowETag, first.Version.Next())).Should().BeTrue();
        var current = await table.ReadAllAsync();
        var currentRowETag = current.Members[0].Item2;
        entry.Status = SiloStatus.Dead;

        (await table.UpdateRowAsync(entry, firstRowETag, current.Version.Next())).Should().BeFalse("the row etag is stale");
        (await table.UpdateRowAsync(entry, currentRowETag, first.Version.Next())).Should().BeFalse("the version etag is stale");
        (await table.UpdateRowAsync(MembershipEntries.New(), currentRowETag, current.Version.Next())).Should().BeFalse("the silo has no row");

        var after = await table.ReadAllAsync();
        after.Version.Should().Be(current.Version);
        after.Members.Should().ContainSingle().Which.Item1.Status.Should().Be(SiloStatus.Active);
        after.Members[0].Item2.Should().Be(currentRowETag);
    }

    [Fact]
    public async Task ReadRow_PresentAndAbsentSilo_ReturnsTheRowOrNothingWithTheVersion()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        (await table.InsertRowAsync(MembershipEntries.New(), (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var all = await table.ReadAllAsync();

        var row = await table.ReadRowAsync(entry.SiloAddress);
        var none = await table.ReadRowAsync(MembershipEntries.NewSilo());

        row.Members.Should().ContainSingle().Which.Item1.ToFullString().Should().Be(entry.ToFullString());
        row.Members[0].Item2.Should().Be(all.TryGet(entry.SiloAddress)!.Item2);
        row.Version.Should().Be(all.Version);
        none.Members.Should().BeEmpty();
        none.Version.Should().Be(all.Version);
    }

    [Fact]
    public async Task UpdateIAmAlive_ChangesOnlyTheHeartbeat_NotTheEtagsOrTheVersion()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var before = await table.ReadAllAsync();
        var beat = entry.IAmAliveTime.AddMinutes(5);

        await table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = beat, Status = SiloStatus.Dead });

        var after = await table.ReadAllAsync();
        after.Version.Should().Be(before.Version);
        after.Members[0].Item2.Should().Be(before.Members[0].Item2);
        after.Members[0].Item1.IAmAliveTime.Should().Be(beat);
        after.Members[0].Item1.Status.Should().Be(entry.Status, "a heartbeat writes only the heartbeat");
        (await table.UpdateRowAsync(entry, before.Members[0].Item2, before.Version.Next())).Should().BeTrue("a heartbeat never fails a membership change");
    }

    [Fact]
    public async Task UpdateIAmAlive_SiloWithoutARow_ChangesNothing()
    {
        var table = await InitializedTableAsync();
        var before = await table.ReadAllAsync();

        await table.UpdateIAmAliveAsync(MembershipEntries.New());

        var after = await table.ReadAllAsync();
        after.Members.Should().BeEmpty();
        after.Version.Should().Be(before.Version);
    }

    [Fact]
    public async Task InsertRow_ConcurrentFromManySilosAtTheSameVersion_ExactlyOneWins()
    {
        var table = await InitializedTableAsync();
        var version = (await table.ReadAllAsync()).Version.Next();
        var entries = Enumerable.Range(0, 8).Select(_ => MembershipEntries.New()).ToArray();

        var results = await Task.WhenAll(entries.Select(entry => NewTable().InsertRowAsync(entry, version)));

        results.Count(ok => ok).Should().Be(1);
        var data = await table.ReadAllAsync();
        data.Members.Should().ContainSingle().Which.Item1.SiloAddress.Should().Be(entries[Array.IndexOf(results, true)].SiloAddress);
        data.Version.Version.Should().Be(1);
    }

    [Fact]
    public async Task UpdateRow_ConcurrentWithTheSameEtags_ExactlyOneWins()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var data = await table.ReadAllAsync();
        var statuses = new[] { SiloStatus.Active, SiloStatus.ShuttingDown, SiloStatus.Stopping, SiloStatus.Dead, SiloStatus.Active, SiloStatus.Dead };

        var results = await Task.WhenAll(statuses.Select(status =>
        {
            var update = MembershipConversionsForTests.Copy(entry);
            update.Status = status;
            return NewTable().UpdateRowAsync(update, data.Members[0].Item2, data.Version.Next());
        }));

        results.Count(ok => ok).Should().Be(1);
        var after = await table.ReadAllAsync();
        after.Version.Version.Should().Be(2);
        after.Members.Should().ContainSingle().Which.Item1.Status.Should().Be(statuses[Array.IndexOf(results, true)]);
    }

    [Fact]
    public async Task UpdateRow_ManyWritersRetryingUntilTheyWin_EveryUpdateLandsOnce()
    {
        var table = await InitializedTableAsync();
        var entry = MembershipEntries.New();
        (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        const int Writers = 10;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async writer =>
        {
            var mine = NewTable();
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var data = await mine.ReadRowAsync(entry.SiloAddress);
                var update = data.Members[0].Item1;
                update.FaultZone = writer;
                if (await mine.UpdateRowAsync(update, data.Members[0].Item2, data.Version.Next()))
                {
                    return;
                }
            }

            throw new InvalidOperationException($"writer {writer} never won");
        }));

        (await table.ReadAllAsync()).Version.Version.Should().Be(1 + Writers);
    }

    [Fact]
    public async Task UpdateIAmAlive_ConcurrentWithMembershipChanges_EveryHeartbeatAndChangeLands()
    {
        var table = await InitializedTableAsync();
        var entries = Enumerable.Range(0, 4).Select(_ => MembershipEntries.New()).ToArray();
        foreach (var entry in entries)
        {
            (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        }

        var beat = entries[0].IAmAliveTime.AddHours(1);
        var heartbeats = entries.Select(entry => NewTable().UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = entry.SiloAddress, IAmAliveTime = beat }));
        var change = Task.Run(async () =>
        {
            var mine = NewTable();
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var data = await mine.ReadRowAsync(entries[0].SiloAddress);
                var update = data.Members[0].Item1;
                update.Status = SiloStatus.Active;
                if (await mine.UpdateRowAsync(update, data.Members[0].Item2, data.Version.Next()))
                {
                    return;
                }
            }

            throw new InvalidOperationException("the membership change never won");
        });

        await Task.WhenAll(heartbeats.Append(change));

        var after = await table.ReadAllAsync();
        after.Members.Select(m => m.Item1.Status == SiloStatus.Active).Count(active => active).Should().Be(1);
        after.Version.Version.Should().Be(entries.Length + 1);
        // The change may have been decided on a read taken before a heartbeat: Orleans' UpdateRow replaces the whole row.
        after.Members.Where(m => m.Item1.Status != SiloStatus.Active).Should().OnlyContain(m => m.Item1.IAmAliveTime == beat);
    }

    [Fact]
    public async Task CleanupDefunctSiloEntries_OldRowsThatAreNotActive_AreRemovedAndTheRestKept()
    {
        var table = await InitializedTableAsync();
        var now = MembershipEntries.WholeSeconds(DateTime.UtcNow);
        var recent = MembershipEntries.New(SiloStatus.Joining, now);
        (await table.InsertRowAsync(recent, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var recentlyDead = MembershipEntries.New(SiloStatus.Dead, now.AddDays(-10));
        recentlyDead.IAmAliveTime = now;
        (await table.InsertRowAsync(recentlyDead, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        foreach (var status in Enum.GetValues<SiloStatus>())
        {
            (await table.InsertRowAsync(MembershipEntries.New(status, now.AddDays(-10)), (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        }

        var before = await table.ReadAllAsync();

        await table.CleanupDefunctSiloEntriesAsync(now.AddDays(-7));

        var after = await table.ReadAllAsync();
        after.Members.Select(m => m.Item1.SiloAddress).Should().BeEquivalentTo(
            before.Members.Where(m => m.Item1.Status == SiloStatus.Active).Select(m => m.Item1.SiloAddress)
                .Append(recent.SiloAddress).Append(recentlyDead.SiloAddress));
        after.Version.Should().Be(before.Version, "cleanup does not change the table version");
    }

    [Fact]
    public async Task DeleteMembershipTableEntries_RemovesThatClustersTableOnly()
    {
        var table = await InitializedTableAsync();
        (await table.InsertRowAsync(MembershipEntries.New(), (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        var otherCluster = NewTable("other" + Guid.NewGuid().ToString("N")[..8]);
        (await otherCluster.InsertRowAsync(MembershipEntries.New(), (await otherCluster.ReadAllAsync()).Version.Next())).Should().BeTrue();

        await otherCluster.DeleteMembershipTableEntriesAsync(_clusterId);

        var data = await table.ReadAllAsync();
        data.Members.Should().BeEmpty();
        data.Version.Version.Should().Be(0);
        (await otherCluster.ReadAllAsync()).Members.Should().ContainSingle();
        await table.DeleteMembershipTableEntriesAsync(_clusterId); // already gone: not an error
    }

    [Fact]
    public async Task Blob_IsOneVersionedJsonDocumentAtTheDocumentedName()
    {
        var table = await InitializedTableAsync();
        (await table.InsertRowAsync(MembershipEntries.New(), (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();

        table.BlobName.Should().Be($"clusters/{_clusterId}/membership");
        var json = Encoding.UTF8.GetString((await Store.GetAsync(table.BlobName)).Content.Span);
        json.Should().Contain("\"format\":1").And.Contain("\"members\":[");
    }

    [Fact]
    public async Task ReadAll_BlobOfANewerFormatOrNotJson_ThrowsStorageCorrupt()
    {
        var table = NewTable();
        await Store.PutAsync(table.BlobName, Encoding.UTF8.GetBytes("{\"format\":2,\"members\":[]}"));
        await FluentActions.Awaiting(() => table.ReadAllAsync()).Should().ThrowAsync<StorageCorruptException>().WithMessage("*format 2*");

        await Store.PutAsync(table.BlobName, Encoding.UTF8.GetBytes("not json"));
        await FluentActions.Awaiting(() => table.ReadAllAsync()).Should().ThrowAsync<StorageCorruptException>();
    }

    [Fact]
    public async Task GetGateways_ActiveSilosWithAProxyPortOnly()
    {
        var table = await InitializedTableAsync();
        var active = MembershipEntries.New(SiloStatus.Active);
        var noProxy = MembershipEntries.New(SiloStatus.Active);
        noProxy.ProxyPort = 0;
        foreach (var entry in new[] { active, noProxy, MembershipEntries.New(SiloStatus.Joining), MembershipEntries.New(SiloStatus.Dead) })
        {
            (await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next())).Should().BeTrue();
        }

        var provider = new ObjectStoreGatewayListProvider(
            Store,
            Options.Create(new ClusterOptions { ClusterId = _clusterId, ServiceId = "svc" }),
            Options.Create(new RunnelClusteringOptions()),
            Options.Create(new GatewayOptions { GatewayListRefreshPeriod = TimeSpan.FromSeconds(7) }));
        await provider.InitializeGatewayListProviderAsync();

        var gateways = await provider.GetGatewaysAsync();

        gateways.Should().Equal(SiloAddress.New(active.SiloAddress.Endpoint.Address, active.ProxyPort, active.SiloAddress.Generation).ToGatewayUri());
        provider.MaxStaleness.Should().Be(TimeSpan.FromSeconds(7));
    }
}
