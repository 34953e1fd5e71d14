using System.Text;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Log.Tests;

public abstract partial class PartitionLogTests
{
    private const long T0 = 1_700_000_000_000;

    private static readonly PartitionLogOptions Compacting = new() { SegmentBytes = 4096, IndexIntervalBytes = 256, RetryBaseDelay = TimeSpan.FromMilliseconds(1) };

    /// <summary>Keeps tombstones for a minute after their timestamp; no lag; forced passes ignore the ratio.</summary>
    private static readonly CompactionPolicy Compact = new(DeleteRetentionMs: 60_000);

    /// <summary>Ten seconds after the workload: no tombstone of it has expired under <see cref="Compact"/>.</summary>
    private static readonly DateTimeOffset SoonAfter = DateTimeOffset.FromUnixTimeMilliseconds(T0 + 10_000);

    public enum CompactionCrashPoint
    {
        StagingPartlyWritten,
        StagedBeforeSwap,
        SwapResponseLost,
        SwappedBeforeOldDeleted,
    }

    [Fact]
    public async Task CompactAsync_Overwrites_LatestPerKeyKeptAtItsOffsetAndOldSegmentsGone()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", Compacting);
        await log.AppendAsync(KeyedBatch(T0, ("deleted", "x")));
        await log.AppendAsync(KeyedBatch(T0, ("deleted", null)));
        await WriteKeyedWorkloadAsync(log, seed: 1);
        var pre = await ScanAsync(log);
        var before = log.Manifest;
        var cleanedTo = before.Segments[^1].BaseOffset;

        var result = await log.CompactAsync(Compact, SoonAfter, force: true);

        result.Compacted.Should().BeTrue();
        result.SegmentsCleaned.Should().Be(before.Segments.Count - 1);
        result.BytesWritten.Should().BeLessThan(result.BytesRead);
        var post = await ScanAsync(log);
        post.Should().Equal(ExpectedAfterCompaction(pre, cleanedTo, T0 + 10_000 - Compact.DeleteRetentionMs));
        post.Should().Contain(r => r.Value == null && r.Offset < cleanedTo, "unexpired tombstones stay");
        post.Should().NotContain(r => r.Key == null, "records without a key are dropped");
        log.HighWatermark.Should().Be(pre[^1].Offset + 1);
        log.LogStartOffset.Should().Be(0);
        log.Manifest.FirstDirtyOffset.Should().Be(cleanedTo);
        log.Manifest.Segments[^1].Should().Be(before.Segments[^1], "the active segment is never cleaned");
        log.Manifest.Segments.Where(s => s.BaseOffset < cleanedTo).Should().OnlyContain(s => s.Name.StartsWith(partition.CompactedPrefix, StringComparison.Ordinal));
        log.Manifest.Segments[0].BaseOffset.Should().Be(0);
        foreach (var old in before.Segments.SkipLast(1))
        {
            (await store.TryGetAsync(old.Name)).Should().BeNull($"{old.Name} was replaced");
            (await store.TryGetAsync(PartitionPaths.OffsetIndexOf(old.Name))).Should().BeNull();
        }

        (await log.CompactAsync(Compact, SoonAfter)).Compacted.Should().BeFalse("nothing is dirty after a pass");
        await log.DisposeAsync();
        await using var successor = await PartitionLog.OpenAsync(store, partition, "silo-b", Compacting);
        (await ScanAsync(successor)).Should().Equal(post, "a new owner reads the compacted log from the manifest");
        (await successor.ReadBatchSummariesAsync(0, successor.HighWatermark)).Select(b => b.BaseOffset).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task CompactAsync_Transactions_AbortedRecordsGoneAndNeverShadowCommittedOnes_OpenTransactionUntouched()
    {
        var store = await CreateStoreAsync();
        var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        await log.AppendAsync(KeyedBatch(T0, ("k", "plain")));
        await log.AppendAsync(KeyedBatch(T0, ("m", "kept")));
        await log.AppendAsync(TransactionalKeyedBatch(50, ("k", "committed")));
        await log.AppendAsync(TransactionMarkerBatch(50, commit: true));
        await log.AppendAsync(TransactionalKeyedBatch(51, ("m", "aborted"), ("k", "aborted")));
        await log.AppendAsync(TransactionMarkerBatch(51, commit: false));
        await log.AppendAsync(KeyedBatch(T0, ("j", "plain")));
        await log.AppendAsync(TransactionalKeyedBatch(52, ("j", "open")));
        await WriteKeyedWorkloadAsync(log, seed: 3, keyPrefix: "f"); // rolls: everything above is in sealed segments
        log.LastStableOffset.Should().BeLessThan(log.HighWatermark, "producer 52's transaction is open");

        var result = await log.CompactAsync(Compact, SoonAfter, force: true);

        result.Compacted.Should().BeTrue();
        var post = (await ScanAsync(log)).Where(r => r.Key is "k" or "m" or "j").Select(r => (r.Key, r.Value)).ToList();
        post.Should().Equal(
            [("m", "kept"), ("k", "committed"), ("j", "plain"), ("j", "open")],
            "k's committed value shadows the plain one; the aborted values are gone and shadow nothing (m keeps its value); the open transaction is not decided yet");
        (await log.ReadBatchSummariesAsync(0, log.HighWatermark)).Count(b => b.Kind is BatchKind.CommitMarker or BatchKind.AbortMarker)
            .Should().Be(2, "markers are kept");
    }

    private static byte[] TransactionalKeyedBatch(long producerId, params (string? Key, string? Value)[] records)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = 0, IsTransactional = true });
        foreach (var (key, value) in records)
        {
            builder.TryAppend(T0, TestBatches.Mem(key is null ? null : Encoding.UTF8.GetBytes(key)), TestBatches.Mem(value is null ? null : Encoding.UTF8.GetBytes(value))).Should().BeTrue();
        }

        return builder.ToArray();
    }

    private static byte[] TransactionMarkerBatch(long producerId, bool commit)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { ProducerId = producerId, ProducerEpoch = 0, IsTransactional = true, IsControlBatch = true });
        builder.AppendControlRecord(T0, commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch: 0);
        return builder.ToArray();
    }

    [Theory]
    [InlineData(CompressionCodec.Gzip)]
    [InlineData(CompressionCodec.Snappy)]
    [InlineData(CompressionCodec.Lz4)]
    [InlineData(CompressionCodec.Zstd)]
    public async Task CompactAsync_CompressedBatches_LatestPerKeyKeptInTheSameCodec(CompressionCodec codec)
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        var n = 0;
        for (var i = 0; log.Manifest.Segments.Count < 4; i++)
        {
            i.Should().BeLessThan(5_000, "4 KiB segments roll");
            using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { Compression = codec });
            for (var r = 0; r < 3; r++, n++)
            {
                builder.TryAppend(T0 + n, Encoding.UTF8.GetBytes($"k{n % 7}"), Encoding.UTF8.GetBytes($"v{n}-{Guid.NewGuid():N}")).Should().BeTrue();
            }

            await log.AppendAsync(builder.ToArray());
        }

        var pre = await ScanAsync(log);
        var cleanedTo = log.Manifest.Segments[^1].BaseOffset;

        (await log.CompactAsync(Compact, SoonAfter, force: true)).Compacted.Should().BeTrue();

        (await ScanAsync(log)).Should().Equal(ExpectedAfterCompaction(pre, cleanedTo, T0 + 10_000 - Compact.DeleteRetentionMs));
        var cleaned = await log.ReadAsync(0, 1 << 20);
        var codecs = new List<CompressionCodec>();
        foreach (var batch in new RecordBatchReader(cleaned.Batches))
        {
            if (batch.BaseOffset < cleanedTo)
            {
                codecs.Add(batch.Header.Compression);
            }
        }

        codecs.Should().NotBeEmpty().And.OnlyContain(c => c == codec, "a cleaned batch is written back in its codec");
    }

    [Fact]
    public async Task CompactAsync_SecondPassAfterMoreWrites_CompactsCompactedSegmentsAgain()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        await WriteKeyedWorkloadAsync(log, seed: 2);
        await log.CompactAsync(Compact, SoonAfter, force: true);
        await WriteKeyedWorkloadAsync(log, seed: 3, from: 10_000);
        var pre = await ScanAsync(log);
        var cleanedTo = log.Manifest.Segments[^1].BaseOffset;
        log.CompactionDirtyRatio(Compact, SoonAfter).Should().BeGreaterThan(0.5);

        var result = await log.CompactAsync(Compact, SoonAfter);

        result.Compacted.Should().BeTrue("the dirty ratio passed the minimum");
        (await ScanAsync(log)).Should().Equal(ExpectedAfterCompaction(pre, cleanedTo, T0 + 10_000 - Compact.DeleteRetentionMs));
    }

    [Fact]
    public async Task ReadAsync_InsideRemovedRange_ReadsOnFromTheNextKeptOffset()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        await WriteKeyedWorkloadAsync(log, seed: 4);
        var pre = await ScanAsync(log);
        await log.CompactAsync(Compact, SoonAfter, force: true);
        var kept = (await ScanAsync(log)).Select(r => r.Offset).ToList();
        var removed = pre.Select(r => r.Offset).Except(kept).ToList();
        log.Manifest.Segments.Should().Contain(s => s.SealedLength == RecordBatch.HeaderSize, "the workload supersedes whole segments: only their last batch stays, empty");

        removed.Should().NotBeEmpty();
        foreach (var offset in removed.Where((_, i) => i % 5 == 0).Append(0))
        {
            // As a consumer: a fetch that holds no record (only the empty batch that ends a compacted segment) moves the
            // position to the batch's end, never back and never past a kept record.
            var position = offset;
            Rec? first = null;
            for (var fetches = 0; first is null; fetches++)
            {
                fetches.Should().BeLessThan(2, $"at most one fetch of an empty tail before a record, from {offset}");
                var read = await log.ReadAsync(position, 512);
                first = Records(read.Batches).FirstOrDefault(r => r.Offset >= position);
                position = LastOffset(read.Batches) + 1;
            }

            first.Offset.Should().Be(kept.First(k => k >= offset), $"a consumer at removed offset {offset} reads on from the next kept one");
        }
    }

    [Fact]
    public async Task CompactAsync_TombstonesKeptForDeleteRetentionThenDropped()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        await log.AppendAsync(KeyedBatch(T0, ("gone", "v1"), ("stays", "s1")));
        var tombstone = await log.AppendAsync(KeyedBatch(T0 + 5, ("gone", null)));
        await WriteKeyedWorkloadAsync(log, seed: 5, keyPrefix: "filler");
        var cleanedTo = log.Manifest.Segments[^1].BaseOffset;
        var pre = await ScanAsync(log);

        await log.CompactAsync(Compact, DateTimeOffset.FromUnixTimeMilliseconds(T0 + 59_000), force: true);

        var kept = await ScanAsync(log);
        kept.Should().ContainSingle(r => r.Key == "gone").Which.Should().Be(new Rec(tombstone.BaseOffset, T0 + 5, "gone", null), "the tombstone is younger than delete.retention.ms");
        kept.Should().ContainSingle(r => r.Key == "stays");

        await log.CompactAsync(Compact, DateTimeOffset.FromUnixTimeMilliseconds(T0 + 61_000), force: true);

        var expired = await ScanAsync(log);
        expired.Should().NotContain(r => r.Key == "gone", "the tombstone outlived delete.retention.ms");
        expired.Should().ContainSingle(r => r.Key == "stays");
        expired.Should().Equal(ExpectedAfterCompaction(pre, cleanedTo, T0 + 61_000 - Compact.DeleteRetentionMs));
    }

    [Fact]
    public async Task CompactAsync_SegmentsYoungerThanCompactionLag_Untouched()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        await WriteKeyedWorkloadAsync(log, seed: 6);
        var old = log.Manifest.Segments.SkipLast(1).ToList();
        await WriteKeyedWorkloadAsync(log, seed: 7, from: 100_000);
        var recent = log.Manifest.Segments.Skip(old.Count).SkipLast(1).ToList();

        var result = await log.CompactAsync(Compact with { MinCompactionLagMs = 60_000 }, DateTimeOffset.FromUnixTimeMilliseconds(T0 + 100_000 + 30_000), force: true);

        result.SegmentsCleaned.Should().Be(old.Count, "only the segments whose newest record is a minute old are cleanable");
        log.Manifest.Segments.Skip(log.Manifest.Segments.Count - recent.Count - 1).SkipLast(1).Should().Equal(recent);
        log.Manifest.FirstDirtyOffset.Should().Be(recent[0].BaseOffset);
    }

    [Fact]
    public async Task CompactAsync_ProducersBatchesAllSuperseded_LastBatchKeptEmptyWithItsSequence()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting);
        await log.AppendAsync(KeyedBatch(T0, [("p", "1"), ("p", "2")], producerId: 42, epoch: 3, sequence: 0));
        var last = await log.AppendAsync(KeyedBatch(T0, [("p", "3"), ("p", "4")], producerId: 42, epoch: 3, sequence: 2));
        await log.AppendAsync(KeyedBatch(T0, ("p", "latest")));
        await WriteKeyedWorkloadAsync(log, seed: 8, keyPrefix: "filler");

        await log.CompactAsync(Compact, SoonAfter, force: true);

        var summaries = await log.ReadBatchSummariesAsync(0, log.HighWatermark);
        var producer = summaries.Where(b => b.ProducerId == 42).Should().ContainSingle("only the producer's last batch stays").Subject;
        (producer.BaseOffset, producer.LastOffset, producer.ProducerEpoch, producer.BaseSequence).Should().Be((last.BaseOffset, last.LastOffset, (short)3, 2));
        (await ScanAsync(log)).Where(r => r.Key == "p").Select(r => r.Value).Should().Equal("latest");
    }

    [Fact]
    public async Task ReadAsync_SegmentReplacedAndDeletedWhileReading_ReadsTheCompactedSegment()
    {
        var crashing = new CrashingObjectStore(await CreateStoreAsync());
        await using var log = await PartitionLog.OpenAsync(crashing, NewPartition(), "silo-a", Compacting with { TailCacheBytes = 0 });
        await WriteKeyedWorkloadAsync(log, seed: 9);
        var target = log.Manifest.Segments[^2];
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = 1;
        crashing.Before = async (operation, name) =>
        {
            if (operation == StorageOperation.Get && name == target.Name && Interlocked.Exchange(ref holding, 0) == 1)
            {
                held.SetResult();
                await release.Task;
            }
        };

        var read = log.ReadAsync(target.BaseOffset, 64 * 1024).AsTask();
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await log.CompactAsync(Compact, SoonAfter, force: true);
        (await crashing.Inner.TryGetAsync(target.Name)).Should().BeNull("the pass deleted the segment the read located");
        release.SetResult();
        var result = await read.WaitAsync(TimeSpan.FromSeconds(30));

        var post = await ScanAsync(log);
        FirstRecordOffsetAtOrAfter(result.Batches, target.BaseOffset).Should().Be(post.First(r => r.Offset >= target.BaseOffset).Offset);
    }

    [Fact]
    public async Task CompactAsync_ConcurrentReaders_EachReadIsTheOldOrTheNewViewAndScansHaveNoGap()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a", Compacting with { TailCacheBytes = 0 });
        await WriteKeyedWorkloadAsync(log, seed: 10);
        var pre = await ScanAsync(log);
        var cleanedTo = log.Manifest.Segments[^1].BaseOffset;
        var post = ExpectedAfterCompaction(pre, cleanedTo, T0 + 10_000 - Compact.DeleteRetentionMs);
        using var done = new CancellationTokenSource();
        var scans = 0;

        async Task ReaderAsync(int maxBytes)
        {
            // Until the pass is over, and once more after it.
            for (var last = false; !last; )
            {
                last = done.IsCancellationRequested;
                var seen = new List<Rec>();
                for (var offset = 0L; offset < log.HighWatermark;)
                {
                    var read = await log.ReadAsync(offset, maxBytes);
                    var records = Records(read.Batches).Where(r => r.Offset >= offset).ToList();
                    var end = LastOffset(read.Batches);
                    var oldView = pre.Where(r => r.Offset >= offset && r.Offset <= end).ToList();
                    var newView = post.Where(r => r.Offset >= offset && r.Offset <= end).ToList();
                    (records.SequenceEqual(oldView) || records.SequenceEqual(newView)).Should().BeTrue(
                        $"the read at {offset} up to {end} is the old view or the new one, not a mix: got [{string.Join(", ", records.Select(r => r.Offset))}]");
                    seen.AddRange(records);
                    offset = end + 1;
                }

                seen.Select(r => r.Offset).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
                post.Except(seen).Should().BeEmpty("a scan misses no kept offset");
                Interlocked.Increment(ref scans);
            }
        }

        var readers = new[] { 300, 1024, 5000 }.Select(size => Task.Run(() => ReaderAsync(size))).ToArray();
        var result = await log.CompactAsync(Compact, SoonAfter, force: true);
        await done.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(120));

        result.Compacted.Should().BeTrue();
        (await ScanAsync(log)).Should().Equal(post);
        scans.Should().BeGreaterThanOrEqualTo(readers.Length);
    }

    [Theory]
    [InlineData(CompactionCrashPoint.StagingPartlyWritten)]
    [InlineData(CompactionCrashPoint.StagedBeforeSwap)]
    [InlineData(CompactionCrashPoint.SwapResponseLost)]
    [InlineData(CompactionCrashPoint.SwappedBeforeOldDeleted)]
    public async Task CompactAsync_KilledAtEachStep_NewOwnerLosesNothingAndSweepsTheGarbage(CompactionCrashPoint point)
    {
        var crashing = new CrashingObjectStore(await CreateStoreAsync());
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(crashing, partition, "silo-a", Compacting);
        await WriteKeyedWorkloadAsync(log, seed: 11);
        var pre = await ScanAsync(log);
        var cleanedTo = log.Manifest.Segments[^1].BaseOffset;
        var post = ExpectedAfterCompaction(pre, cleanedTo, T0 + 10_000 - Compact.DeleteRetentionMs);
        var creates = 0;
        var staging = partition.CompactedPrefix;
        var (rule, lands) = point switch
        {
            CompactionCrashPoint.StagingPartlyWritten => ((Func<StorageOperation, string, bool>)((op, name) => op == StorageOperation.CreateAppendBlob && name.StartsWith(staging, StringComparison.Ordinal) && ++creates == 3), false),
            CompactionCrashPoint.StagedBeforeSwap => ((op, name) => op == StorageOperation.Put && name == partition.Manifest, false),
            CompactionCrashPoint.SwapResponseLost => ((op, name) => op == StorageOperation.Put && name == partition.Manifest, true),
            _ => ((op, name) => op == StorageOperation.Delete && !name.StartsWith(staging, StringComparison.Ordinal), false),
        };
        crashing.Arm(rule, lands);

        var pass = () => log.CompactAsync(Compact, SoonAfter, force: true);

        await pass.Should().ThrowAsync<ProcessKilledException>();
        crashing.IsDead.Should().BeTrue();
        await using var successor = await PartitionLog.OpenAsync(crashing.Inner, partition, "silo-b", Compacting);
        var swapped = point is CompactionCrashPoint.SwapResponseLost or CompactionCrashPoint.SwappedBeforeOldDeleted;
        var recovered = await ScanAsync(successor);
        recovered.Should().Equal(swapped ? post : pre, "the manifest names the old segments or the new ones, each whole");
        LatestPerKey(recovered).Should().Equal(LatestPerKey(pre), "every acknowledged latest value per key is readable");
        (await GarbageAsync(crashing.Inner, partition, successor.Manifest)).Should().NotBeEmpty("the killed pass left staging or replaced segments behind");

        var cleanedBySuccessor = successor.Manifest.Segments[^1].BaseOffset; // its takeover sealed the old active segment
        await successor.CompactAsync(Compact, SoonAfter, force: true);

        (await ScanAsync(successor)).Should().Equal(ExpectedAfterCompaction(pre, cleanedBySuccessor, T0 + 10_000 - Compact.DeleteRetentionMs));
        (await GarbageAsync(crashing.Inner, partition, successor.Manifest)).Should().BeEmpty("the next pass swept every leftover of the killed one");
    }

    /// <summary>Segment and index blobs of the partition that <paramref name="manifest"/> does not name.</summary>
    private static async Task<List<string>> GarbageAsync(IObjectStore store, PartitionPaths partition, PartitionManifest manifest)
    {
        var live = manifest.Segments.SelectMany(s => new[] { s.Name, PartitionPaths.OffsetIndexOf(s.Name), PartitionPaths.TimeIndexOf(s.Name) }).ToHashSet();
        return (await BlobsUnder(store, partition.Prefix)).Where(n => partition.TryParseSegmentBlob(n, out _, out _) && !live.Contains(n)).ToList();
    }

    [Fact]
    public async Task CompactAsync_FencedOwner_SwapFailsAndChangesNothing()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var zombie = await PartitionLog.OpenAsync(store, partition, "silo-a", Compacting);
        await WriteKeyedWorkloadAsync(zombie, seed: 12);
        var pre = await ScanAsync(zombie);
        await using var owner = await PartitionLog.OpenAsync(store, partition, "silo-b", Compacting);
        var manifest = owner.Manifest;

        var pass = () => zombie.CompactAsync(Compact, SoonAfter, force: true);

        await pass.Should().ThrowAsync<NotOwnerException>();
        var stored = PartitionManifest.FromJson((await store.GetAsync(partition.Manifest)).Content.Span, partition.Manifest);
        stored.Should().BeEquivalentTo(manifest, "the fenced owner's swap did not land");
        (await ScanAsync(owner)).Should().Equal(pre);
        var act = () => zombie.AppendAsync(KeyedBatch(T0, ("late", "x")));
        await act.Should().ThrowAsync<NotOwnerException>();

        var result = await owner.CompactAsync(Compact, SoonAfter, force: true);

        result.Compacted.Should().BeTrue();
        (await BlobsUnder(store, partition.CompactedPrefix)).Should().BeSubsetOf(owner.Manifest.Segments.SelectMany(s => new[] { s.Name, PartitionPaths.OffsetIndexOf(s.Name), PartitionPaths.TimeIndexOf(s.Name) }), "the zombie's staging was swept");
        await zombie.DisposeAsync();
    }

    [Fact]
    public void CompactionPolicy_OutOfRange_MessageNamesTheField()
    {
        var ratio = () => new CompactionPolicy(MinCleanableDirtyRatio: 1.5).Validate();
        var retention = () => new CompactionPolicy(DeleteRetentionMs: -1).Validate();
        var lag = () => new CompactionPolicy(MinCompactionLagMs: -5).Validate();

        ratio.Should().Throw<ArgumentException>().WithMessage("*MinCleanableDirtyRatio*");
        retention.Should().Throw<ArgumentException>().WithMessage("*DeleteRetentionMs*");
        lag.Should().Throw<ArgumentException>().WithMessage("*MinCompactionLagMs*");
    }

    private sealed record Rec(long Offset, long Timestamp, string? Key, string? Value);

    /// <summary>What a pass that cleans everything below <paramref name="cleanedTo"/> must leave of <paramref name="pre"/>.</summary>
    private static List<Rec> ExpectedAfterCompaction(List<Rec> pre, long cleanedTo, long tombstoneCutoff)
    {
        var latest = new Dictionary<string, long>();
        foreach (var r in pre.Where(r => r.Offset < cleanedTo && r.Key is not null))
        {
            latest[r.Key!] = r.Offset;
        }

        return pre.Where(r => r.Offset >= cleanedTo
            || (r.Key is not null && latest[r.Key] == r.Offset && !(r.Value is null && r.Timestamp < tombstoneCutoff))).ToList();
    }

    private static Dictionary<string, string?> LatestPerKey(List<Rec> records)
    {
        var latest = new Dictionary<string, string?>();
        foreach (var r in records.Where(r => r.Key is not null))
        {
            latest[r.Key!] = r.Value;
        }

        return latest;
    }

    /// <summary>
    /// Keyed batches of three records until the log has at least seven segments: first only keys <c>a0..a9</c> (enough
    /// to fill two segments), then every <c>a</c> key once more, then random keys of <c>a0..a9</c> and <c>b0..b19</c>, about
    /// one in ten a tombstone and one in fifty without a key. Timestamps from <c>T0 + from</c>, one per record.
    /// </summary>
    private static async Task WriteKeyedWorkloadAsync(PartitionLog log, int seed, long from = 0, string keyPrefix = "")
    {
        var random = new Random(seed);
        var n = from;
        var segments = log.Manifest.Segments.Count;
        var records = new List<(string? Key, string? Value)>();
        for (var i = 0; log.Manifest.Segments.Count < segments + 6; i++)
        {
            i.Should().BeLessThan(5_000, "4 KiB segments roll");
            records.Clear();
            for (var r = 0; r < 3; r++, n++)
            {
                var firstPhase = log.Manifest.Segments.Count < segments + 2;
                var key = firstPhase ? $"a{n % 10}" : i % 40 < 4 ? $"a{(n % 10)}" : random.Next(50) == 0 ? null : random.Next(3) == 0 ? $"a{random.Next(10)}" : $"b{random.Next(20)}";
                var value = !firstPhase && random.Next(10) == 0 ? null : $"v{n}";
                records.Add((key is null ? null : keyPrefix + key, value));
            }

            await log.AppendAsync(KeyedBatch(T0 + n - 3, [.. records]));
        }
    }

    private static byte[] KeyedBatch(long timestamp, params (string? Key, string? Value)[] records) => KeyedBatch(timestamp, records, producerId: -1);

    private static byte[] KeyedBatch(long timestamp, (string? Key, string? Value)[] records, long producerId, short epoch = -1, int sequence = -1)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence });
        var t = timestamp;
        foreach (var (key, value) in records)
        {
            builder.TryAppend(t++, TestBatches.Mem(key is null ? null : Encoding.UTF8.GetBytes(key)), TestBatches.Mem(value is null ? null : Encoding.UTF8.GetBytes(value))).Should().BeTrue();
        }

        return builder.ToArray();
    }

    /// <summary>Every record from the log start to the high watermark, reading as a consumer does.</summary>
    private static async Task<List<Rec>> ScanAsync(PartitionLog log)
    {
        var all = new List<Rec>();
        for (var offset = log.LogStartOffset; offset < log.HighWatermark;)
        {
            var read = await log.ReadAsync(offset, 2048);
            read.Batches.IsEmpty.Should().BeFalse($"offset {offset} is below the high watermark");
            all.AddRange(Records(read.Batches).Where(r => r.Offset >= offset));
            offset = LastOffset(read.Batches) + 1;
        }

        all.Select(r => r.Offset).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        return all;
    }

    private static List<Rec> Records(ReadOnlyMemory<byte> batches)
    {
        var list = new List<Rec>();
        foreach (var batch in new RecordBatchReader(batches))
        {
            RecordBatch.Validate(batch.Memory.Span, RecordBatchValidationMode.Stored);
            using var records = batch.ReadRecords();
            foreach (var r in records)
            {
                list.Add(new Rec(r.Offset, r.Timestamp, r.Key is { } k ? Encoding.UTF8.GetString(k.Span) : null, r.Value is { } v ? Encoding.UTF8.GetString(v.Span) : null));
            }
        }

        return list;
    }

    private static long LastOffset(ReadOnlyMemory<byte> batches)
    {
        var last = -1L;
        foreach (var batch in new RecordBatchReader(batches, verifyCrc: false))
        {
            last = batch.LastOffset;
        }

        return last;
    }

    private static long FirstRecordOffsetAtOrAfter(ReadOnlyMemory<byte> batches, long offset) => Records(batches).First(r => r.Offset >= offset).Offset;

    private static async Task<List<string>> BlobsUnder(IObjectStore store, string prefix)
    {
        var names = new List<string>();
        await foreach (var item in store.ListAllAsync(prefix))
        {
            names.Add(item.Name);
        }

        return names;
    }
}
