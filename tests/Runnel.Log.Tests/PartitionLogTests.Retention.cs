using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

public abstract partial class PartitionLogTests
{
    private const long Old = 1_700_000_000_000;
    private const long Recent = 1_700_000_900_000;

    [Fact]
    public async Task EnforceRetention_SegmentsOlderThanRetentionMs_DeletedFromTheOldestAndLogStartMoves()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        await using var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "old", Old, segments: 4);
        var firstRecent = (await AppendUntilSegmentsAsync(log, "recent", Recent, segments: 7)).BaseOffset;
        var before = log.Manifest.Segments;
        var expired = before.TakeWhile(s => s.IsSealed && s.MaxTimestamp < Recent).ToList();

        // Now is 10 minutes after the old records and 5 s after the recent ones; keep 1 minute.
        var deleted = await log.EnforceRetentionAsync(new RetentionPolicy(60_000, -1), DateTimeOffset.FromUnixTimeMilliseconds(Recent + 5_000));

        deleted.Should().Be(expired.Count).And.BeGreaterThan(0);
        log.LogStartOffset.Should().Be(before[deleted].BaseOffset);
        log.LogStartOffset.Should().BeLessThanOrEqualTo(firstRecent, "a segment holding a recent record is kept whole");
        log.Manifest.LogStartOffset.Should().Be(log.LogStartOffset);
        log.Manifest.Segments.Should().Equal(before.Skip(deleted));
        var belowStart = () => log.ReadAsync(log.LogStartOffset - 1, 1024).AsTask();
        (await belowStart.Should().ThrowAsync<OffsetOutOfRangeException>()).Which.Code.Should().Be(RunnelErrorCode.OffsetOutOfRange);
        foreach (var segment in expired)
        {
            (await store.TryGetAsync(segment.Name)).Should().BeNull($"{segment.Name} is deleted with its indexes");
            (await store.TryGetAsync(PartitionPaths.OffsetIndexOf(segment.Name))).Should().BeNull();
        }

        await AssertContiguousAsync(log);
    }

    [Fact]
    public async Task DeleteRecords_MidSegment_ReadsBelowFailWholeSegmentsGoAndATakeoverKeepsTheStart()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "r", Recent, segments: 5);
        var before = log.Manifest.Segments;
        var target = before[2].BaseOffset + 1; // inside the third segment
        var highWatermark = log.HighWatermark;

        var start = await log.DeleteRecordsAsync(target);

        start.Should().Be(target);
        log.LogStartOffset.Should().Be(target);
        log.Manifest.LogStartOffset.Should().Be(target);
        log.Manifest.Segments.Should().Equal(before.Skip(2), "the two segments wholly below go; the one holding the new start stays");
        (await store.TryGetAsync(before[0].Name)).Should().BeNull();
        var below = () => log.ReadAsync(target - 1, 1024).AsTask();
        (await below.Should().ThrowAsync<OffsetOutOfRangeException>()).Which.Code.Should().Be(RunnelErrorCode.OffsetOutOfRange);
        SampleBatches.Split((await log.ReadAsync(target, 1024)).Batches).Should().NotBeEmpty();
        (await log.DeleteRecordsAsync(target - 5)).Should().Be(target, "the log start never moves down");
        var aboveEnd = () => log.DeleteRecordsAsync(highWatermark + 1);
        await aboveEnd.Should().ThrowAsync<OffsetOutOfRangeException>();

        // Retention after it keeps the higher start; a new owner recovers it and numbers on from the same end.
        await log.EnforceRetentionAsync(new RetentionPolicy(-1, -1), DateTimeOffset.FromUnixTimeMilliseconds(Recent));
        log.LogStartOffset.Should().Be(target);
        await log.DisposeAsync();
        await using var successor = await PartitionLog.OpenAsync(store, partition, "silo-b", SmallSegments);
        successor.LogStartOffset.Should().Be(target);
        successor.HighWatermark.Should().Be(highWatermark);
        (await successor.AppendAsync(SampleBatches.Create("next"))).BaseOffset.Should().Be(highWatermark);
    }

    [Fact]
    public async Task DeleteRecords_UpToTheHighWatermark_EverythingUnreadableAndAppendsGoOn()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "r", Recent, segments: 4);
        var highWatermark = log.HighWatermark;

        (await log.DeleteRecordsAsync(-1)).Should().Be(highWatermark);

        log.Manifest.Segments.Should().ContainSingle("only the active segment is left");
        (await log.ReadAsync(highWatermark, 1024)).Batches.Length.Should().Be(0);
        (await log.AppendAsync(SampleBatches.Create("after"))).BaseOffset.Should().Be(highWatermark);
        await log.DisposeAsync();
        await using var successor = await PartitionLog.OpenAsync(store, partition, "silo-b", SmallSegments);
        successor.LogStartOffset.Should().Be(highWatermark);
        successor.HighWatermark.Should().Be(highWatermark + 3);
        SampleBatches.Split((await successor.ReadAsync(highWatermark, 1024)).Batches).Should().ContainSingle();
    }

    [Fact]
    public async Task IsRetentionDueAsync_FromTheStoredManifest_AgreesWithWhatTheOwnerDeletes()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        await using var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "old", Old, segments: 3);
        await AppendUntilSegmentsAsync(log, "recent", Recent, segments: 5);
        var byTime = new RetentionPolicy(60_000, -1);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(Recent + 5_000);
        async Task<long> SizeAsync() =>
            log.Manifest.Segments.Sum(s => s.SealedLength ?? 0) + (await store.GetPropertiesAsync(log.Manifest.Segments[^1].Name)).Length;
        var size = await SizeAsync();

        (await PartitionLog.IsRetentionDueAsync(store, partition, byTime, now)).Should().BeTrue("segments of 10-minute-old records are past a 1-minute retention");
        (await PartitionLog.IsRetentionDueAsync(store, partition, new RetentionPolicy(3_600_000, -1), now)).Should().BeFalse("an hour keeps everything");
        (await PartitionLog.IsRetentionDueAsync(store, partition, RetentionPolicy.KeepAll, now)).Should().BeFalse();
        (await PartitionLog.IsRetentionDueAsync(store, partition, new RetentionPolicy(-1, size), now)).Should().BeFalse("the log is exactly that size");
        (await PartitionLog.IsRetentionDueAsync(store, partition, new RetentionPolicy(-1, size - log.Manifest.Segments[0].SealedLength!.Value), now))
            .Should().BeTrue("the active segment counts towards the size, so the oldest segment is not needed");
        (await PartitionLog.IsRetentionDueAsync(store, NewPartition(), byTime, now)).Should().BeFalse("a partition never written has nothing");

        (await log.EnforceRetentionAsync(byTime, now)).Should().BeGreaterThan(0);
        (await PartitionLog.IsRetentionDueAsync(store, partition, byTime, now)).Should().BeFalse("the owner deleted what was due");
    }

    [Fact]
    public async Task EnforceRetention_RetentionBytes_KeepsAtLeastThatMuchAndNeverTheActiveSegment()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "b", Recent, segments: 6);
        async Task<long> SizeAsync() =>
            log.Manifest.Segments.Sum(s => s.SealedLength ?? 0) + (await store.GetPropertiesAsync(log.Manifest.Segments[^1].Name)).Length;

        await log.EnforceRetentionAsync(new RetentionPolicy(-1, 6000), DateTimeOffset.FromUnixTimeMilliseconds(Recent));

        (await SizeAsync()).Should().BeGreaterThanOrEqualTo(6000);
        ((await SizeAsync()) - log.Manifest.Segments[0].SealedLength!.Value).Should().BeLessThan(6000, "the oldest segment left is needed to keep 6000 bytes");
        await log.EnforceRetentionAsync(new RetentionPolicy(-1, 0), DateTimeOffset.FromUnixTimeMilliseconds(Recent));
        log.Manifest.Segments.Should().ContainSingle().Which.IsSealed.Should().BeFalse("the active segment is never deleted");
        (await log.AppendAsync(SampleBatches.Create("after"))).BaseOffset.Should().Be(log.HighWatermark - 3);
        await AssertContiguousAsync(log);
    }

    [Fact]
    public async Task EnforceRetention_KeepAllOrNothingExpired_ChangesNothing()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "b", Recent, segments: 3);
        var manifest = log.Manifest;

        (await log.EnforceRetentionAsync(RetentionPolicy.KeepAll, DateTimeOffset.FromUnixTimeMilliseconds(Recent + 100_000_000))).Should().Be(0);
        (await log.EnforceRetentionAsync(new RetentionPolicy(60_000, 1 << 30), DateTimeOffset.FromUnixTimeMilliseconds(Recent + 1_000))).Should().Be(0);

        log.Manifest.Should().BeSameAs(manifest);
        log.LogStartOffset.Should().Be(0);
        var invalid = () => log.EnforceRetentionAsync(new RetentionPolicy(0, -1), DateTimeOffset.UtcNow);
        (await invalid.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("RetentionMs");
    }

    [Fact]
    public async Task DeleteSegmentsBelow_AnOffsetInsideASegment_OnlyWhollyLowerSegmentsGo()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", SmallSegments);
        await AppendUntilSegmentsAsync(log, "b", Recent, segments: 5);
        var before = log.Manifest.Segments;

        (await log.DeleteSegmentsBelowAsync(before[2].BaseOffset + 1)).Should().Be(2);
        (await log.DeleteSegmentsBelowAsync(before[2].BaseOffset + 1)).Should().Be(0);
        (await log.DeleteSegmentsBelowAsync(long.MaxValue)).Should().Be(2, "never the active segment");

        log.LogStartOffset.Should().Be(before[4].BaseOffset);
        log.Manifest.Segments.Should().ContainSingle();
        await AssertContiguousAsync(log);
    }

    [Fact]
    public async Task EnforceRetention_WhileAppendsRollSegments_NoFencingAndEveryAcknowledgedBatchAboveLogStartReadable()
    {
        // Rolls and retention both change the manifest by If-Match: serialized, neither mistakes the other for a new owner.
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        var hashes = new System.Collections.Concurrent.ConcurrentDictionary<long, string>();
        var appending = Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                var batch = SampleBatches.Create($"c{i}", records: 2, valueSize: 200, timestamp: Recent);
                hashes[(await log.AppendAsync(batch)).BaseOffset] = SampleBatches.ContentHash(batch);
            }
        });
        var deleted = 0;
        while (!appending.IsCompleted)
        {
            deleted += await log.EnforceRetentionAsync(new RetentionPolicy(-1, 8192), DateTimeOffset.FromUnixTimeMilliseconds(Recent));
            await Task.Yield();
        }

        await appending;
        deleted += await log.EnforceRetentionAsync(new RetentionPolicy(-1, 8192), DateTimeOffset.FromUnixTimeMilliseconds(Recent));
        await log.CloseAsync();
        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", SmallSegments);

        deleted.Should().BeGreaterThan(0);
        reopened.LogStartOffset.Should().BeGreaterThan(0, "the manifest carries the log start across the hand-over");
        reopened.HighWatermark.Should().Be(300);
        foreach (var (offset, hash) in hashes.Where(h => h.Key >= reopened.LogStartOffset))
        {
            var batch = SampleBatches.Split((await reopened.ReadAsync(offset, 1)).Batches)[0];
            SampleBatches.BaseOffset(batch).Should().Be(offset);
            SampleBatches.ContentHash(batch).Should().Be(hash);
        }

        await AssertContiguousAsync(reopened);
    }

    /// <summary>Appends batches stamped <paramref name="timestamp"/> until the log has <paramref name="segments"/>
    /// segments (the last one active); the last append's result.</summary>
    private static async Task<LogAppendResult> AppendUntilSegmentsAsync(PartitionLog log, string tag, long timestamp, int segments)
    {
        LogAppendResult last = default;
        for (var i = 0; log.Manifest.Segments.Count < segments; i++)
        {
            i.Should().BeLessThan(10_000, "4 KiB segments roll");
            last = await log.AppendAsync(SampleBatches.Create($"{tag}{i}", records: 2, valueSize: 200, timestamp: timestamp));
        }

        return last;
    }
}
