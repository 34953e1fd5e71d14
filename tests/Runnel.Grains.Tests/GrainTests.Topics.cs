using Runnel.Log;

namespace Runnel.Grains.Tests;

public abstract partial class GrainTests
{
    [Fact]
    public async Task CreateTopic_WithOverrides_DescribeShowsPartitionsAndEffectiveConfig()
    {
        var created = await CreateTopicAsync("orders", 3, new() { [TopicConfig.RetentionMs] = "3600000", [TopicConfig.CleanupPolicy] = "compact,delete" });

        var described = await Cluster.Topic("orders").DescribeAsync();

        described.Name.Should().Be("orders");
        described.PartitionCount.Should().Be(3);
        described.Config.Should().Contain(TopicConfig.RetentionMs, "3600000")
            .And.Contain(TopicConfig.CleanupPolicy, "compact,delete")
            .And.Contain(TopicConfig.MaxMessageBytes, TopicConfig.Defaults[TopicConfig.MaxMessageBytes]);
        described.Config.Keys.Should().BeEquivalentTo(TopicConfig.Keys);
        described.CreatedAt.Should().Be(created.CreatedAt);
    }

    [Fact]
    public async Task CreateTopic_Twice_TopicAlreadyExists()
    {
        await CreateTopicAsync("orders", 2);

        var error = await FailsWith(RunnelErrorCode.TopicAlreadyExists, () => CreateTopicAsync("orders", 2));

        error.Message.Should().Contain("orders");
    }

    [Fact]
    public async Task CreateTopic_InvalidNames_InvalidTopicNameNamingTheRule()
    {
        var cases = new Dictionary<string, string>
        {
            ["."] = "reserved",
            [".."] = "reserved",
            ["a/b"] = "'/'",
            ["has space"] = "' '",
            ["caf\u00e9"] = "U+00E9",
            [new string('x', 250)] = "249",
        };

        foreach (var (name, reason) in cases)
        {
            var error = await FailsWith(RunnelErrorCode.InvalidTopicName, () => CreateTopicAsync(name));
            error.Message.Should().Contain(reason);
        }

        (await CreateTopicAsync(new string('x', 249))).PartitionCount.Should().Be(1, "249 characters is the limit, inclusive");
        (await CreateTopicAsync("a.b_c-D9")).Name.Should().Be("a.b_c-D9");
    }

    [Fact]
    public async Task CreateTopic_InvalidConfig_InvalidConfigNamingTheKey()
    {
        var cases = new (string Key, string Value, string Says)[]
        {
            ("retention.mss", "1", "Unknown topic config 'retention.mss'"),
            ("min.insync.replicas", "2", "Unknown topic config 'min.insync.replicas'"),
            (TopicConfig.RetentionMs, "soon", "expected an integer"),
            (TopicConfig.RetentionMs, "-2", "expected -1 or an integer"),
            (TopicConfig.RetentionBytes, "0", "expected -1 or an integer"),
            (TopicConfig.SegmentBytes, "100", "from 1024"),
            (TopicConfig.SegmentBytes, "99999999999", "to 2147483647"),
            (TopicConfig.MaxMessageBytes, "100000000", "to 67174400"),
            (TopicConfig.CleanupPolicy, "forever", "'delete', 'compact'"),
            (TopicConfig.CleanupPolicy, "delete,delete", "'delete', 'compact'"),
            (TopicConfig.CompressionType, "brotli", "producer, none, gzip, snappy, lz4, zstd"),
            (TopicConfig.MessageTimestampType, "createtime", "CreateTime, LogAppendTime"),
        };

        foreach (var (key, value, says) in cases)
        {
            var error = await FailsWith(RunnelErrorCode.InvalidConfig, () => CreateTopicAsync("t", 1, new() { [key] = value }));
            error.Message.Should().Contain($"'{key}'").And.Contain(says);
        }

        await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Topic("t").DescribeAsync().AsTask());
    }

    [Fact]
    public async Task CreateTopic_PartitionCountOutOfRange_InvalidArgumentNamingIt()
    {
        (await FailsWith(RunnelErrorCode.InvalidArgument, () => CreateTopicAsync("t", 0))).Message.Should().Contain("partitions").And.Contain("was 0");
        (await FailsWith(RunnelErrorCode.InvalidArgument, () => CreateTopicAsync("t", 10_001))).Message.Should().Contain("was 10001");
    }

    [Fact]
    public async Task TopicCalls_UnknownTopic_UnknownTopic()
    {
        var topic = Cluster.Topic("missing");

        await FailsWith(RunnelErrorCode.UnknownTopic, () => topic.DescribeAsync().AsTask());
        await FailsWith(RunnelErrorCode.UnknownTopic, () => topic.DeleteAsync().AsTask());
        await FailsWith(RunnelErrorCode.UnknownTopic, () => topic.AlterConfigAsync(new Dictionary<string, string?> { [TopicConfig.RetentionMs] = "1" }).AsTask());
        await FailsWith(RunnelErrorCode.UnknownTopic, () => topic.AddPartitionsAsync(2).AsTask());
        await FailsWith(RunnelErrorCode.InvalidTopicName, () => Cluster.Topic("no/slash").DescribeAsync().AsTask());
    }

    [Fact]
    public async Task AlterConfig_SetAndRemoveOverrides_DescribedAndValidated()
    {
        await CreateTopicAsync("t", 1, new() { [TopicConfig.RetentionMs] = "1000" });

        var altered = await Cluster.Topic("t").AlterConfigAsync(new Dictionary<string, string?>
        {
            [TopicConfig.RetentionMs] = null,
            [TopicConfig.SegmentBytes] = "1048576",
        });

        altered.Config.Should().Contain(TopicConfig.RetentionMs, TopicConfig.Defaults[TopicConfig.RetentionMs]).And.Contain(TopicConfig.SegmentBytes, "1048576");
        (await Cluster.Topic("t").DescribeAsync()).Config.Should().Equal(altered.Config);
        (await FailsWith(RunnelErrorCode.InvalidConfig, () => Cluster.Topic("t").AlterConfigAsync(new Dictionary<string, string?> { ["bogus"] = null }).AsTask()))
            .Message.Should().Contain("'bogus'");
        (await FailsWith(RunnelErrorCode.InvalidConfig, () => Cluster.Topic("t").AlterConfigAsync(new Dictionary<string, string?> { [TopicConfig.SegmentBytes] = "x" }).AsTask()))
            .Message.Should().Contain("'segment.bytes'");
        (await Cluster.Topic("t").DescribeAsync()).Config[TopicConfig.SegmentBytes].Should().Be("1048576", "a rejected change changes nothing");
    }

    [Fact]
    public async Task AddPartitions_Grow_NewPartitionServesAndShrinkingIsRefused()
    {
        await CreateTopicAsync("t", 1);
        await FailsWith(RunnelErrorCode.UnknownPartition, () => Cluster.Partition("t", 1).GetOffsetsAsync().AsTask());

        var grown = await Cluster.Topic("t").AddPartitionsAsync(3);

        grown.PartitionCount.Should().Be(3);
        (await Cluster.Partition("t", 2).ProduceAsync(new ProduceRequest(Infrastructure.TestBatches.Create("p2")))).BaseOffset.Should().Be(0);
        (await Cluster.Partition("t", 1).GetOffsetsAsync()).HighWatermark.Should().Be(0, "the partition that answered UnknownPartition serves now");
        (await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Topic("t").AddPartitionsAsync(2).AsTask())).Message.Should().Contain("only ever added");
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Topic("t").AddPartitionsAsync(3).AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Topic("t").AddPartitionsAsync(10_001).AsTask());
    }

    [Fact]
    public async Task DeleteTopic_WithData_PartitionsStopBlobsGoAndTheNameCanBeReused()
    {
        await CreateTopicAsync("t", 2);
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(Infrastructure.TestBatches.Create("a")));
        await Cluster.Partition("t", 1).ProduceAsync(new ProduceRequest(Infrastructure.TestBatches.Create("b")));

        await Cluster.Topic("t").DeleteAsync();

        await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Topic("t").DescribeAsync().AsTask());
        await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(Infrastructure.TestBatches.Create("late"))).AsTask());
        await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Partition("t", 1).FetchAsync(new FetchRequest(0, 1024, TimeSpan.Zero)).AsTask());
        (await Store.ListAsync("topics/t/")).Items.Should().BeEmpty("every blob of the topic is removed");

        await CreateTopicAsync("t", 1);
        var offsets = await Cluster.Partition("t", 0).GetOffsetsAsync();
        offsets.HighWatermark.Should().Be(0, "a re-created topic starts empty");
    }

    [Fact]
    public async Task DeleteTopic_WhileALongPollWaits_TheFetchEndsAndTheDeleteCompletes()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.GetOffsetsAsync(); // activated and serving
        var fetch = partition.FetchAsync(new FetchRequest(0, 1024, TimeSpan.FromMinutes(4))).AsTask();

        await Cluster.Topic("t").DeleteAsync();

        try
        {
            (await fetch).Batches.Length.Should().Be(0, "the partition retired while the fetch waited");
        }
        catch (RunnelException ex)
        {
            ex.Code.Should().Be(RunnelErrorCode.UnknownTopic, ex.Message);
        }
    }

    [Fact]
    public async Task ListTopics_SomeCreatedOneDeleted_ActiveTopicsInOrdinalOrder()
    {
        await CreateTopicAsync("b", 1);
        await CreateTopicAsync("a", 2);
        await CreateTopicAsync("C", 1);
        await CreateTopicAsync("gone", 1);
        await Cluster.Partition("a", 1).ProduceAsync(new ProduceRequest(Infrastructure.TestBatches.Create("x")));
        await Cluster.Topic("gone").DeleteAsync();

        var topics = await Cluster.Catalog.ListTopicsAsync();

        topics.Should().Equal("C", "a", "b");
    }

    [Fact]
    public async Task SiloStop_PartitionsServed_ManifestsReleased()
    {
        await CreateTopicAsync("t", 2);
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(Infrastructure.TestBatches.Create("a")));
        await Cluster.Partition("t", 1).GetOffsetsAsync();

        await Cluster.StopAsync();

        foreach (var partition in new[] { 0, 1 })
        {
            var paths = PartitionPaths.ForTopicPartition("t", partition);
            var manifest = PartitionManifest.FromJson((await Store.GetAsync(paths.Manifest)).Content.Span, paths.Manifest);
            manifest.State.Should().Be(PartitionState.Released);
            manifest.Epoch.Should().Be(1);
        }
    }
}
