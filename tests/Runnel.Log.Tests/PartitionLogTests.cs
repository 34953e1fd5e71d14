using System.Collections.Concurrent;
using Runnel.Log.Batches;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>
/// The partition log's behaviour, run against every store (subclasses name it: <c>File</c>, <c>Azurite</c>).
/// Every test works in a fresh partition prefix, and asserts invariants over what was acknowledged.
/// </summary>
public abstract partial class PartitionLogTests
{
    /// <summary>A store with a fresh, empty namespace for this test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    protected static PartitionPaths NewPartition() => new($"topics/t{Guid.NewGuid():N}/0/");

    protected static PartitionLogOptions SmallSegments => new() { SegmentBytes = 4096, IndexIntervalBytes = 256 };

    [Fact]
    public async Task AppendAsync_ConcurrentAppends_OffsetsContiguousAndEachBatchReadableAtItsOffset()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        var batches = Enumerable.Range(0, 200).Select(i => SampleBatches.Create($"b{i}", records: 1 + (i % 4))).ToArray();

        var results = await Task.WhenAll(batches.Select(b => log.AppendAsync(b)));

        results.OrderBy(r => r.BaseOffset).Select(r => r.BaseOffset).First().Should().Be(0);
        var ordered = results.OrderBy(r => r.BaseOffset).ToArray();
        for (var i = 1; i < ordered.Length; i++)
        {
            ordered[i].BaseOffset.Should().Be(ordered[i - 1].LastOffset + 1, "offsets are contiguous");
        }

        log.HighWatermark.Should().Be(ordered[^1].LastOffset + 1);
        for (var i = 0; i < batches.Length; i++)
        {
            var read = await log.ReadAsync(results[i].BaseOffset, 1);
            var first = SampleBatches.Split(read.Batches)[0];
            SampleBatches.BaseOffset(first).Should().Be(results[i].BaseOffset);
            SampleBatches.ContentHash(first).Should().Be(SampleBatches.ContentHash(batches[i]));
        }
    }

    [Fact]
    public async Task OpenAsync_SecondOwnerTakesOverWhileFirstAppends_AcknowledgedKeptAndFirstFenced()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var first = await PartitionLog.OpenAsync(store, partition, "silo-a");
        var acked = new ConcurrentDictionary<long, string>();
        var fencedSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstAppended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 5000 && !fencedSeen.Task.IsCompleted; i++)
            {
                var batch = SampleBatches.Create($"a{i}");
                try
                {
                    var result = await first.AppendAsync(batch);
                    acked[result.BaseOffset] = SampleBatches.ContentHash(batch);
                    firstAppended.TrySetResult();
                }
                catch (NotOwnerException)
                {
                    fencedSeen.TrySetResult();
                }
            }
        });

        await firstAppended.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using var second = await PartitionLog.OpenAsync(store, partition, "silo-b");
        await writer.WaitAsync(TimeSpan.FromSeconds(60));

        fencedSeen.Task.IsCompleted.Should().BeTrue("the first owner's appends after the takeover must fail as fenced");
        second.Epoch.Should().Be(first.Epoch + 1);
        var act = () => first.AppendAsync(SampleBatches.Create("late"));
        await act.Should().ThrowAsync<NotOwnerException>();
        acked.Should().NotBeEmpty();
        foreach (var (offset, hash) in acked)
        {
            var read = await second.ReadAsync(offset, 1);
            var batch = SampleBatches.Split(read.Batches)[0];
            SampleBatches.BaseOffset(batch).Should().Be(offset);
            SampleBatches.ContentHash(batch).Should().Be(hash);
        }

        await AssertContiguousAsync(second);
        var next = await second.AppendAsync(SampleBatches.Create("after"));
        next.BaseOffset.Should().Be(second.HighWatermark - 3);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task OpenAsync_AfterCleanClose_ContinuesOffsetsWithoutRecoveryScan()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a");
        var written = new List<(LogAppendResult Result, string Hash)>();
        for (var i = 0; i < 10; i++)
        {
            var batch = SampleBatches.Create($"x{i}");
            written.Add((await log.AppendAsync(batch), SampleBatches.ContentHash(batch)));
        }

        await log.CloseAsync();
        log.Manifest.State.Should().Be(PartitionState.Released);
        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b");

        reopened.RecoveredTail.Should().BeEmpty("a clean hand-over leaves nothing to scan");
        reopened.HighWatermark.Should().Be(30);
        foreach (var (result, hash) in written)
        {
            var batch = SampleBatches.Split((await reopened.ReadAsync(result.BaseOffset, 1)).Batches)[0];
            SampleBatches.ContentHash(batch).Should().Be(hash);
        }

        (await reopened.AppendAsync(SampleBatches.Create("y"))).BaseOffset.Should().Be(30);
        var act = () => log.AppendAsync(SampleBatches.Create("closed"));
        await act.Should().ThrowAsync<LogClosedException>();
    }

    [Fact]
    public async Task OpenAsync_AfterAbandonedOwner_RecoversTailFromSealedSegment()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a");
        for (var i = 0; i < 7; i++)
        {
            await log.AppendAsync(SampleBatches.Create($"x{i}", records: 2));
        }

        await log.DisposeAsync(); // no hand-over: like a crash
        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b");

        reopened.HighWatermark.Should().Be(14);
        reopened.RecoveredTail.Should().HaveCount(7);
        reopened.RecoveredTail[^1].LastOffset.Should().Be(13);
        await AssertContiguousAsync(reopened);
    }

    [Fact]
    public async Task AppendAsync_TornTailInSegment_IsCutAndNeverRead()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a");
        await log.AppendAsync(SampleBatches.Create("whole"));
        var segment = log.Manifest.Segments[^1].Name;
        await log.DisposeAsync();
        var torn = SampleBatches.Create("torn");
        await store.AppendBlockAsync(segment, torn.AsMemory(0, torn.Length / 2)); // half a batch: a write that never completed

        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b");

        reopened.HighWatermark.Should().Be(3);
        reopened.Manifest.Segments[0].SealedLength.Should().Be(SampleBatches.Create("whole").Length);
        (await reopened.AppendAsync(SampleBatches.Create("next"))).BaseOffset.Should().Be(3);
        await AssertContiguousAsync(reopened);
    }

    [Fact]
    public async Task AppendAsync_PastSegmentBytes_RollsAndReadsAcrossBoundaries()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        var hashes = new Dictionary<long, string>();
        for (var i = 0; i < 60; i++)
        {
            var batch = SampleBatches.Create($"r{i}", records: 2, valueSize: 200);
            hashes[(await log.AppendAsync(batch)).BaseOffset] = SampleBatches.ContentHash(batch);
        }

        log.Manifest.Segments.Count.Should().BeGreaterThan(5, "4 KiB segments roll often");
        await log.CloseAsync();
        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", SmallSegments);

        foreach (var segment in reopened.Manifest.Segments.Where(s => s.IsSealed))
        {
            // The first and last offsets of every segment: index lookups at the boundaries.
            foreach (var offset in new[] { segment.BaseOffset, segment.LastOffset!.Value })
            {
                var batch = SampleBatches.Split((await reopened.ReadAsync(offset, 1)).Batches)[0];
                var baseOffset = SampleBatches.BaseOffset(batch);
                baseOffset.Should().BeLessThanOrEqualTo(offset);
                hashes[baseOffset].Should().Be(SampleBatches.ContentHash(batch));
            }
        }

        await AssertContiguousAsync(reopened);
    }

    [Fact]
    public async Task LocateSealedAsync_EveryOffset_PointsAtTheBatchesReadAsyncReturns_NullInTheActiveSegment()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", SmallSegments);
        for (var i = 0; i < 60; i++)
        {
            await log.AppendAsync(SampleBatches.Create($"r{i}", records: 2, valueSize: 200));
        }

        var active = log.Manifest.Segments[^1];
        active.IsSealed.Should().BeFalse();
        for (var offset = 0L; offset < log.HighWatermark; offset++)
        {
            var location = await log.LocateSealedAsync(offset);
            if (offset >= active.BaseOffset)
            {
                location.Should().BeNull("offset {0} is in the active segment", offset);
                continue;
            }

            location.Should().NotBeNull("offset {0} is in a sealed segment", offset);
            var sealedSegment = log.Manifest.Segments.Single(s => s.Name == location!.Segment);
            (location!.SealedLength, location.BaseOffset, location.LastOffset).Should().Be((sealedSegment.SealedLength!.Value, sealedSegment.BaseOffset, sealedSegment.LastOffset!.Value));
            location.HighWatermark.Should().Be(log.HighWatermark);
            // The stored bytes from the position on: the batch holding the offset is among them, whole.
            var bytes = (await store.GetAsync(location.Segment, new ByteRange(location.Position, location.SealedLength - location.Position))).Content;
            var holding = SampleBatches.Split(bytes).First(b => SampleBatches.BaseOffset(b) + SampleBatches.RecordCount(b) - 1 >= offset);
            var read = SampleBatches.Split((await log.ReadAsync(offset, 1)).Batches)[0];
            holding.ToArray().Should().Equal(read.ToArray());
        }

        (await log.LocateSealedAsync(log.HighWatermark)).Should().BeNull("nothing is stored at the high watermark yet");
        var above = () => log.LocateSealedAsync(log.HighWatermark + 1).AsTask();
        await above.Should().ThrowAsync<OffsetOutOfRangeException>();
    }

    [Fact]
    public async Task ReadAsync_SealedSegmentIndexMissing_IsRebuiltFromTheSegment()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallSegments);
        for (var i = 0; i < 40; i++)
        {
            await log.AppendAsync(SampleBatches.Create($"r{i}", valueSize: 100));
        }

        await log.CloseAsync();
        var sealedSegment = log.Manifest.Segments[0];
        await store.DeleteAsync(PartitionPaths.OffsetIndexOf(sealedSegment.Name));
        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", SmallSegments);

        var read = await reopened.ReadAsync(sealedSegment.LastOffset!.Value, 1);

        SampleBatches.BaseOffset(SampleBatches.Split(read.Batches)[0]).Should().BeLessThanOrEqualTo(sealedSegment.LastOffset!.Value);
        (await store.TryGetPropertiesAsync(PartitionPaths.OffsetIndexOf(sealedSegment.Name))).Should().NotBeNull("the rebuilt index is written back");
    }

    [Fact]
    public async Task OffsetForTimestampAsync_AcrossSegments_FindsFirstRecordAtOrAfter()
    {
        var store = await CreateStoreAsync();
        var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", SmallSegments);
        var baseOffsets = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            // Batch i holds timestamps 1000 + 10i .. 1000 + 10i + 1.
            baseOffsets.Add((await log.AppendAsync(SampleBatches.Create($"t{i}", records: 2, valueSize: 100, timestamp: 1000 + (10 * i)))).BaseOffset);
        }

        (await log.OffsetForTimestampAsync(0)).Should().Be(0);
        (await log.OffsetForTimestampAsync(1000 + (10 * 25))).Should().Be(baseOffsets[25]);
        (await log.OffsetForTimestampAsync(1000 + (10 * 25) + 5)).Should().Be(baseOffsets[26], "no record of batch 25 is that late");
        (await log.OffsetForTimestampAsync(1000 + (10 * 49) + 1)).Should().Be(baseOffsets[49] + 1, "the second record of the last batch");
        (await log.OffsetForTimestampAsync(5000)).Should().BeNull();
        await log.DisposeAsync();
    }

    [Fact]
    public async Task ReadAsync_OutsideWatermarks_ThrowsOrReturnsEmpty()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        await log.AppendAsync(SampleBatches.Create("a"));

        (await log.ReadAsync(3, 1024)).Batches.IsEmpty.Should().BeTrue("reading at the high watermark waits for nothing and returns nothing");
        var past = () => log.ReadAsync(4, 1024).AsTask();
        (await past.Should().ThrowAsync<OffsetOutOfRangeException>()).Which.HighWatermark.Should().Be(3);
        var below = () => log.ReadAsync(-1, 1024).AsTask();
        (await below.Should().ThrowAsync<OffsetOutOfRangeException>()).Which.Code.Should().Be(RunnelErrorCode.OffsetOutOfRange);
    }

    [Fact]
    public async Task ReadAsync_MidBatchOffset_ReturnsTheBatchHoldingIt()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        await log.AppendAsync(SampleBatches.Create("a", records: 5));
        await log.AppendAsync(SampleBatches.Create("b", records: 5));

        var read = await log.ReadAsync(7, 1 << 20);

        var batches = SampleBatches.Split(read.Batches);
        batches.Should().HaveCount(1);
        SampleBatches.BaseOffset(batches[0]).Should().Be(5);
    }

    [Fact]
    public async Task AppendAsync_CorruptBatch_RejectedAndNothingAppended()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        var batch = SampleBatches.Create("c");
        batch[^1] ^= 0xFF;

        var act = () => log.AppendAsync(batch);

        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.CorruptRecordBatch);
        log.HighWatermark.Should().Be(0);
        (await log.AppendAsync(SampleBatches.Create("ok"))).BaseOffset.Should().Be(0);
    }

    [Fact]
    public async Task AppendAsync_BatchOverLimit_RejectedWithTooLarge()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", new PartitionLogOptions { MaxBatchBytes = 1000 });

        var act = () => log.AppendAsync(SampleBatches.Create("big", records: 1, valueSize: 2000));

        (await act.Should().ThrowAsync<RecordBatchTooLargeException>()).Which.Limit.Should().Be(1000);
    }

    [Fact]
    public async Task AppendAsync_ValidatedBatch_AppendedAndReadBackLikeTheBytes()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        var first = SampleBatches.Create("v1", records: 3);
        var second = SampleBatches.Create("v2", records: 2);

        var a = await log.AppendAsync(RecordBatch.ValidateForAppend(first));
        var b = await log.AppendAsync(second);

        a.BaseOffset.Should().Be(0);
        a.LastOffset.Should().Be(2);
        b.BaseOffset.Should().Be(3, "both overloads assign offsets from the same sequence");
        var read = SampleBatches.Split((await log.ReadAsync(0, 1 << 20)).Batches);
        read.Select(x => SampleBatches.ContentHash(x)).Should().Equal(SampleBatches.ContentHash(first), SampleBatches.ContentHash(second));
    }

    [Fact]
    public async Task AppendAsync_DefaultValidatedBatch_RefusedAndNothingAppended()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");

        var act = () => log.AppendAsync(default(ValidatedRecordBatch));

        await act.Should().ThrowAsync<ArgumentException>();
        log.HighWatermark.Should().Be(0);
    }

    [Fact]
    public async Task AppendAsync_ValidatedBatchOverLimit_RejectedWithTooLarge()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", new PartitionLogOptions { MaxBatchBytes = 1000 });
        var validated = RecordBatch.ValidateForAppend(SampleBatches.Create("big", records: 1, valueSize: 2000));

        var act = () => log.AppendAsync(validated);

        (await act.Should().ThrowAsync<RecordBatchTooLargeException>()).Which.Limit.Should().Be(1000);
        log.HighWatermark.Should().Be(0);
    }

    [Fact]
    public void ValidateForAppend_CorruptBatch_ThrowsSoNoProofIsMade()
    {
        var batch = SampleBatches.Create("c");
        batch[^1] ^= 0xFF;

        var act = () => RecordBatch.ValidateForAppend(batch);

        act.Should().Throw<CorruptRecordBatchException>().Which.Code.Should().Be(RunnelErrorCode.CorruptRecordBatch);
    }

    [Fact]
    public async Task WaitForHighWatermarkAsync_CompletesWhenAnAppendLands()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        var waiting = log.WaitForHighWatermarkAsync(0, CancellationToken.None);
        waiting.IsCompleted.Should().BeFalse();

        await log.AppendAsync(SampleBatches.Create("wake"));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Reads the whole log from its start: every batch follows the previous one with no gap or overlap.</summary>
    protected static async Task AssertContiguousAsync(PartitionLog log)
    {
        var expected = log.LogStartOffset;
        while (expected < log.HighWatermark)
        {
            var read = await log.ReadAsync(expected, 64 * 1024);
            var batches = SampleBatches.Split(read.Batches);
            batches.Should().NotBeEmpty();
            foreach (var batch in batches)
            {
                SampleBatches.BaseOffset(batch).Should().Be(expected, "batches are contiguous");
                expected += SampleBatches.RecordCount(batch);
            }
        }

        expected.Should().Be(log.HighWatermark);
    }
}
