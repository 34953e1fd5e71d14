using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Runnel.Grains.State;
using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;

namespace Runnel.Grains.Tests;

/// <summary>
/// The grains' small state in Orleans grain storage <c>runnel</c> (topic metadata, the catalogs, producer-id blocks):
/// writers racing on a state's ETag, the catalogs across a failure between their write and the topic's or group's,
/// and data directories written before grain state (the legacy layout).
/// </summary>
public abstract partial class GrainTests
{
    /// <summary>Where <c>ObjectStoreGrainStorage</c> keeps state <paramref name="state"/> of a grain (its escaping: '.' is
    /// <c>_2E</c>); keys here need no escaping.</summary>
    private static string StateBlob(string grainType, string key, string state) => $"grains/runnel/{grainType.Replace(".", "_2E", StringComparison.Ordinal)}/{key}/{state}";

    private static readonly string TopicCatalogBlob = StateBlob(TopicCatalogGrain.GrainTypeName, RunnelCluster.SingletonKey, CatalogGrainState.StateName);

    private static readonly string GroupCatalogBlob = StateBlob(ConsumerGroupCatalogGrain.GrainTypeName, RunnelCluster.SingletonKey, CatalogGrainState.StateName);

    private static string TopicStateBlob(string topic) => StateBlob(TopicGrain.GrainTypeName, topic, TopicGrainState.StateName);

    /// <summary>The silo's grain storage <c>runnel</c>: another writer of the same states (an activation of the same
    /// grain elsewhere during a directory race, a tool).</summary>
    private IGrainStorage Rival => Cluster.Services().GetRequiredKeyedService<IGrainStorage>(GrainsHostingExtensions.GrainStorageName);

    /// <summary>Runs <paramref name="action"/> once, just before the first write of blob <paramref name="blob"/>.</summary>
    private void BeforeFirstWriteOf(string blob, Func<Task> action)
    {
        Store.BeforePut = async name =>
        {
            if (name == blob)
            {
                Store.BeforePut = null;
                await action();
            }
        };
    }

    private async Task<GrainState<T>> ReadRivalAsync<T>(string grainType, string key, string state)
    {
        var read = new GrainState<T>();
        await Rival.ReadStateAsync(state, GrainId.Create(grainType, key), read);
        return read;
    }

    private async Task<string> CatalogBlobTextAsync(string blob) => Encoding.UTF8.GetString((await Store.GetAsync(blob)).Content.Span);

    [Fact]
    public async Task CreateTopic_AnotherActivationCreatesItBetweenReadAndWrite_OneWinnerTheOtherAlreadyExists()
    {
        // The rival's state lands after this activation read "absent" and before its own write: the write's ETag
        // condition (if none exists) is the fence.
        BeforeFirstWriteOf(TopicStateBlob("t"), async () =>
        {
            var rival = new GrainState<TopicGrainState>(new TopicGrainState { PartitionCount = 7, WriteId = "rival", Incarnation = "rival", CreatedAt = DateTimeOffset.UnixEpoch });
            await Rival.WriteStateAsync(TopicGrainState.StateName, GrainId.Create(TopicGrain.GrainTypeName, "t"), rival);
        });

        await FailsWith(RunnelErrorCode.TopicAlreadyExists, () => CreateTopicAsync("t", 2));

        (await Cluster.Topic("t").DescribeAsync()).PartitionCount.Should().Be(7, "the rival's creation won and was not overwritten");
        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal("t");
    }

    [Fact]
    public async Task AlterConfig_AnotherWriterChangesTheStateFirst_BothChangesKept()
    {
        await CreateTopicAsync("t", 1);
        BeforeFirstWriteOf(TopicStateBlob("t"), async () =>
        {
            var rival = await ReadRivalAsync<TopicGrainState>(TopicGrain.GrainTypeName, "t", TopicGrainState.StateName);
            rival.State!.Config[TopicConfig.RetentionMs] = "1000";
            rival.State.WriteId = "rival";
            await Rival.WriteStateAsync(TopicGrainState.StateName, GrainId.Create(TopicGrain.GrainTypeName, "t"), rival);
        });

        var altered = await Cluster.Topic("t").AlterConfigAsync(new Dictionary<string, string?> { [TopicConfig.RetentionBytes] = "5000" });

        altered.Config.Should().Contain(TopicConfig.RetentionMs, "1000", "the rival's change is re-read, not overwritten")
            .And.Contain(TopicConfig.RetentionBytes, "5000");
        (await Cluster.Topic("t").DescribeAsync()).Config.Should().Contain(TopicConfig.RetentionMs, "1000").And.Contain(TopicConfig.RetentionBytes, "5000");
    }

    [Fact]
    public async Task AllocateProducerIds_AnotherActivationReservesABlockMeanwhile_NoIdHandedOutTwice()
    {
        await UseOwnClusterAsync(o => o.ProducerIdBlockSize = 2);
        var ids = new List<long> { (await Cluster.ProducerIds.AllocateAsync()).ProducerId, (await Cluster.ProducerIds.AllocateAsync()).ProducerId };

        // A second activation reserves [2, 4) under this one's feet; this one's next reservation is refused on the ETag,
        // re-reads and takes [4, 6).
        var grain = GrainId.Create("runnel.producer-id", RunnelCluster.SingletonKey);
        var rival = await ReadRivalAsync<ProducerIdGrainState>("runnel.producer-id", RunnelCluster.SingletonKey, ProducerIdGrainState.StateName);
        var rivalBlock = (rival.State!.NextId, rival.State.NextId + 2);
        rival.State.NextId += 2;
        await Rival.WriteStateAsync(ProducerIdGrainState.StateName, grain, rival);

        for (var i = 0; i < 4; i++)
        {
            ids.Add((await Cluster.ProducerIds.AllocateAsync()).ProducerId);
        }

        ids.Should().OnlyHaveUniqueItems().And.Equal(0, 1, 4, 5, 6, 7);
        ids.Should().NotContain(id => id >= rivalBlock.Item1 && id < rivalBlock.Item2, "the rival's block is its own");
    }

    [Fact]
    public async Task CreateTopic_StoreFailsBetweenTheCatalogAndTheTopicWrite_NotListedAndCreatedOnRetry()
    {
        await CreateTopicAsync("a", 1);
        BeforeFirstWriteOf(TopicStateBlob("t"), () => throw new StorageUnavailableException(TopicStateBlob("t"), "killed before the topic's write", isOutcomeUnknown: false));

        await FailsWith(RunnelErrorCode.StorageUnavailable, () => CreateTopicAsync("t", 3));
        await Cluster.DeactivateAllAsync(); // nothing held in memory survives the "crash"

        (await CatalogBlobTextAsync(TopicCatalogBlob)).Should().Contain("\"t\"", "the catalog was written first");
        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal(["a"], "a topic whose state was never written is not listed");
        await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Topic("t").DescribeAsync().AsTask());

        (await CreateTopicAsync("t", 3)).PartitionCount.Should().Be(3);
        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal("a", "t");
    }

    [Fact]
    public async Task DeleteTopic_StoreFailsBetweenTheTopicAndTheCatalogWrite_NotListedAndTheNameReusable()
    {
        await CreateTopicAsync("t", 2);
        BeforeFirstWriteOf(TopicCatalogBlob, () => throw new StorageUnavailableException(TopicCatalogBlob, "killed before the catalog's write", isOutcomeUnknown: false));

        await FailsWith(RunnelErrorCode.StorageUnavailable, () => Cluster.Topic("t").DeleteAsync().AsTask());
        await Cluster.DeactivateAllAsync();

        (await CatalogBlobTextAsync(TopicCatalogBlob)).Should().Contain("\"t\"", "the catalog write after the topic's state was cleared failed");
        (await Cluster.Catalog.ListTopicsAsync()).Should().BeEmpty("the topic's state is gone, so the catalog's name is left out");
        await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Topic("t").DescribeAsync().AsTask());

        (await CreateTopicAsync("t", 1)).PartitionCount.Should().Be(1);
        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal("t");
        await Cluster.Topic("t").DeleteAsync();
        (await CatalogBlobTextAsync(TopicCatalogBlob)).Should().NotContain("\"t\"", "a deletion that completes takes the name out");
    }

    [Fact]
    public async Task DeleteGroup_StoreFailsBetweenTheLogAndTheCatalogWrite_NotListed()
    {
        await Cluster.Group("g").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 1, null)]));
        await Cluster.Group("h").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 1, null)]));
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal("g", "h");
        BeforeFirstWriteOf(GroupCatalogBlob, () => throw new StorageUnavailableException(GroupCatalogBlob, "killed before the catalog's write", isOutcomeUnknown: false));

        await FailsWith(RunnelErrorCode.StorageUnavailable, () => Cluster.Group("g").DeleteAsync().AsTask());
        await Cluster.DeactivateAllAsync();

        (await CatalogBlobTextAsync(GroupCatalogBlob)).Should().Contain("\"g\"");
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal(["h"], "a group whose log is gone is not listed");
        await Cluster.Group("g").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 2, null)]));
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal("g", "h");
    }

    [Fact]
    public async Task CommitOffsets_StoreFailsBetweenTheCatalogAndTheGroupLogWrite_NotListedAndCreatedOnRetry()
    {
        await Cluster.Group("h").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 1, null)]));
        // Every attempt at the group's manifest fails (the log retries a failed write): the process is gone.
        Store.BeforePut = name => name == "groups/g/manifest"
            ? throw new StorageUnavailableException(name, "killed before the group's log was created", isOutcomeUnknown: false)
            : ValueTask.CompletedTask;

        await FailsWith(RunnelErrorCode.StorageUnavailable, () => Cluster.Group("g").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 1, null)])).AsTask());
        Store.BeforePut = null;
        await Cluster.DeactivateAllAsync();

        (await CatalogBlobTextAsync(GroupCatalogBlob)).Should().Contain("\"g\"", "the catalog was written first");
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal(["h"], "a group whose log was never created is not listed");
        await Cluster.Group("g").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("t", 0, 2, null)]));
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal("g", "h");
    }

    [Fact]
    public async Task LegacyLayout_TopicsProducerIdsAndGroupsWrittenBeforeGrainState_AllVisibleAndMigrated()
    {
        // A group written by the current code, then its catalog state removed: the group's log (its manifest) is what
        // a legacy data directory holds for it.
        await Cluster.Group("g").CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("old", 1, 42, "m")]));
        await Cluster.DeactivateAllAsync();
        await Store.DeleteAsync(GroupCatalogBlob);

        // The blobs main wrote, byte for byte as TopicMetadata and ProducerIdBlock serialized them.
        await Store.PutAsync("topics/old/meta", Encoding.UTF8.GetBytes(
            """{"version":1,"name":"old","partitionCount":2,"config":{"retention.ms":"3600000"},"createdAt":"2026-01-02T03:04:05+00:00","state":"Active","writeId":"0123456789abcdef0123456789abcdef"}"""));
        await Store.PutAsync("topics/leaving/meta", Encoding.UTF8.GetBytes(
            """{"version":1,"name":"leaving","partitionCount":1,"config":{},"createdAt":"2026-01-02T03:04:05+00:00","state":"Deleting","writeId":"fedcba9876543210fedcba9876543210"}"""));
        await Store.PutAsync("producer-ids", Encoding.UTF8.GetBytes("""{"version":1,"nextId":5000}"""));

        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal(["old"], "a legacy topic being deleted is not listed");
        var old = await Cluster.Topic("old").DescribeAsync();
        old.PartitionCount.Should().Be(2);
        old.Config.Should().Contain(TopicConfig.RetentionMs, "3600000");
        old.CreatedAt.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        (await Cluster.Partition("old", 1).ProduceAsync(new ProduceRequest(TestBatches.Create("x")))).BaseOffset.Should().Be(0);
        (await Cluster.ProducerIds.AllocateAsync()).ProducerId.Should().Be(5000, "reservations continue from the legacy blob");
        (await Cluster.Groups.ListGroupsAsync()).Should().Equal("g");
        (await Cluster.Group("g").FetchOffsetsAsync([new GroupPartition("old", 1)])).Single().Offset.Should().Be(42);

        // Migrated: the topic's state holds it and the legacy blob is gone; a new activation reads the state.
        (await Store.TryGetAsync("topics/old/meta")).Should().BeNull("the activation moved it into grain state");
        (await Store.TryGetAsync(TopicStateBlob("old"))).Should().NotBeNull();
        await Cluster.DeactivateAllAsync();
        (await Cluster.Topic("old").AlterConfigAsync(new Dictionary<string, string?> { [TopicConfig.RetentionMs] = null })).Config[TopicConfig.RetentionMs]
            .Should().Be(TopicConfig.Defaults[TopicConfig.RetentionMs]);
        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal("old");
        (await Cluster.ProducerIds.AllocateAsync()).ProducerId.Should().Be(6000, "the next block, from the state (the activation's rest was skipped)");

        // The legacy topic being deleted: the next create of its name finishes the deletion.
        (await CreateTopicAsync("leaving", 3)).PartitionCount.Should().Be(3);
        (await Store.TryGetAsync("topics/leaving/meta")).Should().BeNull();
        (await Cluster.Catalog.ListTopicsAsync()).Should().Equal("leaving", "old");
    }
}
