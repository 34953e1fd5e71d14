using Runnel.Grains.Tests.Infrastructure;
using Runnel.Log;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

public abstract partial class GrainTests
{
    [Fact]
    public async Task Compact_CompactTopic_LatestPerKeyKeptAtItsOffsetAndFetchesReadOn()
    {
        await CreateTopicAsync("c", 1, new Dictionary<string, string> { [TopicConfig.SegmentBytes] = "1024", [TopicConfig.CleanupPolicy] = "compact" });
        var partition = Cluster.Partition("c", 0);
        for (var i = 0; i < 12; i++)
        {
            await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"b{i}", records: 2, valueSize: 200))); // keys k0, k1
        }

        var before = await partition.GetOffsetsAsync();

        var result = await partition.CompactAsync();

        result.SegmentsCleaned.Should().BeGreaterThan(1);
        result.RecordsKept.Should().Be(2, "the cleaned range holds keys k0 and k1 only");
        result.BytesWritten.Should().BeLessThan(result.BytesRead);
        (await partition.GetOffsetsAsync()).Should().Be(before, "compaction changes no offset and no watermark");
        var fetched = new List<(long Offset, string Value)>();
        for (var offset = 0L; offset < before.HighWatermark;)
        {
            var records = TestBatches.Records((await partition.FetchAsync(new FetchRequest(offset, 1024 * 1024, TimeSpan.Zero))).Batches).Where(r => r.Offset >= offset).ToList();
            fetched.AddRange(records);
            offset = records[^1].Offset + 1;
        }

        var cleaned = fetched.Where(r => r.Offset < result.FirstDirtyOffset).ToList();
        cleaned.Select(r => r.Offset).Should().Equal(result.FirstDirtyOffset - 2, result.FirstDirtyOffset - 1);
        fetched.Where(r => r.Offset >= result.FirstDirtyOffset).Should().HaveCount((int)(before.HighWatermark - result.FirstDirtyOffset), "the active segment is untouched");
        fetched[0].Offset.Should().Be(result.FirstDirtyOffset - 2, "a fetch from 0 reads on from the first kept offset");
    }

    [Fact]
    public async Task Compact_DeleteOnlyTopic_InvalidConfig()
    {
        await CreateTopicAsync("d", 1);
        await Cluster.Partition("d", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("x")));

        var error = await FailsWith(RunnelErrorCode.InvalidConfig, () => Cluster.Partition("d", 0).CompactAsync().AsTask());

        error.Message.Should().Contain("cleanup.policy");
    }

    [Fact]
    public async Task Compaction_OnTheRetentionCheckInterval_RunsOnceTheDirtyRatioIsReached()
    {
        var time = new ManualTimeProvider();
        await UseOwnClusterAsync(o => o.RetentionCheckInterval = TimeSpan.FromMinutes(5), time);
        await CreateTopicAsync("c", 1, new Dictionary<string, string>
        {
            [TopicConfig.SegmentBytes] = "1024",
            [TopicConfig.CleanupPolicy] = "compact,delete",
            [TopicConfig.MinCleanableDirtyRatio] = "0.9",
        });
        var partition = Cluster.Partition("c", 0);
        for (var i = 0; i < 12; i++)
        {
            await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"b{i}", records: 2, timestamp: time.GetUtcNow().ToUnixTimeMilliseconds(), valueSize: 200)));
        }

        var paths = PartitionPaths.ForTopicPartition("c", 0);
        async Task<PartitionManifest> ManifestAsync() => PartitionManifest.FromJson((await Store.GetAsync(paths.Manifest)).Content.Span, paths.Manifest);
        (await ManifestAsync()).FirstDirtyOffset.Should().Be(0);

        time.Advance(TimeSpan.FromMinutes(5));
        await partition.GetOffsetsAsync(); // the tick is an exclusive turn: the next call runs after it
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await ManifestAsync()).FirstDirtyOffset == 0)
        {
            // The tick started the pass beside the grain's turns (fetches are not held up); its swap lands in the manifest.
            await Task.Delay(20, guard.Token);
        }

        var manifest = await ManifestAsync();
        manifest.FirstDirtyOffset.Should().Be(manifest.Segments[^1].BaseOffset, "everything sealed was dirty: ratio 1 >= 0.9");
        manifest.Segments.SkipLast(1).Should().OnlyContain(s => s.Name.StartsWith(paths.CompactedPrefix, StringComparison.Ordinal));
    }
}
