using Runnel.Grains.Tests.Infrastructure;
using Runnel.Log;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

public abstract partial class GrainTests
{
    [Fact]
    public async Task Retention_OnTheCheckInterval_SegmentsPastRetentionMsDeletedAndAFetchBelowGetsOffsetOutOfRange()
    {
        var time = new ManualTimeProvider();
        await UseOwnClusterAsync(o => o.RetentionCheckInterval = TimeSpan.FromMinutes(5), time);
        await CreateTopicAsync("t", 1, new Dictionary<string, string>
        {
            [TopicConfig.SegmentBytes] = "1024",
            [TopicConfig.RetentionMs] = "3600000",
        });
        var partition = Cluster.Partition("t", 0);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        long lastOld = 0;
        for (var i = 0; i < 12; i++)
        {
            lastOld = (await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"old{i}", records: 2, timestamp: now - 7_200_000, valueSize: 200)))).LastOffset;
        }

        var firstRecent = (await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("recent", records: 2, timestamp: now, valueSize: 200)))).BaseOffset;
        (await partition.GetOffsetsAsync()).LogStartOffset.Should().Be(0);

        time.Advance(TimeSpan.FromMinutes(4));
        (await partition.GetOffsetsAsync()).LogStartOffset.Should().Be(0, "the check has not run yet");
        time.Advance(TimeSpan.FromMinutes(1)); // the tick is an exclusive turn: the next read-only call runs after it
        var offsets = await partition.GetOffsetsAsync();

        offsets.LogStartOffset.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(firstRecent, "records two hours old go, the recent one stays");
        offsets.LogStartOffset.Should().BeGreaterThan(lastOld - 6, "every sealed segment of old records but the one the log now starts with is gone");
        offsets.HighWatermark.Should().Be(firstRecent + 2);
        await FailsWith(RunnelErrorCode.OffsetOutOfRange, () => partition.FetchAsync(new FetchRequest(0, 1024 * 1024, TimeSpan.Zero)).AsTask());
        var fetched = await partition.FetchAsync(new FetchRequest(firstRecent, 1024 * 1024, TimeSpan.Zero));
        TestBatches.Records(fetched.Batches).Should().HaveCount(2);
    }

    [Fact]
    public async Task Retention_IdlePartition_TheSweepWakesItAndDeletesItsExpiredSegments()
    {
        var time = new ManualTimeProvider();
        await UseOwnClusterAsync(o => o.RetentionCheckInterval = TimeSpan.FromMinutes(5), time);
        await CreateTopicAsync("idle", 1, new Dictionary<string, string>
        {
            [TopicConfig.SegmentBytes] = "1024",
            [TopicConfig.RetentionMs] = "3600000",
        });
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < 12; i++)
        {
            await Cluster.Partition("idle", 0).ProduceAsync(new ProduceRequest(TestBatches.Create($"old{i}", records: 2, timestamp: now - 7_200_000, valueSize: 200)));
        }

        await Cluster.Partition("idle", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("recent", records: 2, timestamp: now, valueSize: 200)));

        // Every grain deactivated: the partition is idle (nothing activates it but the sweep).
        await Cluster.DeactivateAllAsync();
        var paths = PartitionPaths.ForTopicPartition("idle", 0);
        var policy = new RetentionPolicy(3_600_000, -1);
        (await PartitionLog.IsRetentionDueAsync(Store, paths, policy, time.GetUtcNow())).Should().BeTrue();

        time.Advance(TimeSpan.FromMinutes(5));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await PartitionLog.IsRetentionDueAsync(Store, paths, policy, time.GetUtcNow()))
        {
            // The sweep runs on its own task once the clock passes the interval; its deletion lands in the manifest.
            await Task.Delay(20, guard.Token);
        }

        var offsets = await Cluster.Partition("idle", 0).GetOffsetsAsync();
        offsets.LogStartOffset.Should().BeGreaterThan(0, "the sweep deleted the expired segments of the idle partition");
        offsets.HighWatermark.Should().Be(26);
    }

    [Fact]
    public async Task DeleteRecords_ThroughTheGrain_LogStartMovesAndFetchBelowIsOffsetOutOfRange()
    {
        await CreateTopicAsync("t", 1, new Dictionary<string, string> { [TopicConfig.SegmentBytes] = "1024" });
        var partition = Cluster.Partition("t", 0);
        for (var i = 0; i < 10; i++)
        {
            await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"b{i}", records: 2, valueSize: 200)));
        }

        (await partition.DeleteRecordsAsync(7)).Should().Be(7);

        (await partition.GetOffsetsAsync()).LogStartOffset.Should().Be(7);
        await FailsWith(RunnelErrorCode.OffsetOutOfRange, () => partition.FetchAsync(new FetchRequest(6, 1024 * 1024, TimeSpan.Zero)).AsTask());
        TestBatches.Records((await partition.FetchAsync(new FetchRequest(7, 1024 * 1024, TimeSpan.Zero))).Batches).Should().Contain(r => r.Offset == 7);
        await FailsWith(RunnelErrorCode.OffsetOutOfRange, () => partition.DeleteRecordsAsync(21).AsTask());
        (await partition.DeleteRecordsAsync(-1)).Should().Be(20, "-1 deletes up to the high watermark");
        await Cluster.DeactivateAllAsync();
        (await Cluster.Partition("t", 0).GetOffsetsAsync()).LogStartOffset.Should().Be(20, "the new log start is in the manifest");
    }

    [Theory]
    [InlineData(TopicConfig.RetentionMs, "-1", TopicConfig.SegmentBytes, "1024")]
    [InlineData(TopicConfig.CleanupPolicy, "compact", TopicConfig.RetentionBytes, "1")]
    public async Task Retention_TopicKeepsForeverOrCompactOnly_NothingDeleted(string key, string value, string otherKey, string otherValue)
    {
        var time = new ManualTimeProvider();
        await UseOwnClusterAsync(o => o.RetentionCheckInterval = TimeSpan.FromMinutes(5), time);
        await CreateTopicAsync("t", 1, new Dictionary<string, string> { [TopicConfig.SegmentBytes] = "1024", [key] = value, [otherKey] = otherValue });
        var partition = Cluster.Partition("t", 0);
        for (var i = 0; i < 8; i++)
        {
            await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"old{i}", records: 2, timestamp: 1_000, valueSize: 200)));
        }

        time.Advance(TimeSpan.FromMinutes(5));

        (await partition.GetOffsetsAsync()).LogStartOffset.Should().Be(0);
    }
}
