using Runnel.Grains.Tests.Infrastructure;
using Runnel.Grains.Internal;
using Runnel.Log;

namespace Runnel.Grains.Tests;

public abstract partial class GrainTests
{
    [Fact]
    public async Task ProduceThenFetch_SeveralBatches_RecordsAtTheirOffsetsUnchanged()
    {
        await CreateTopicAsync("t", 2);
        var partition = Cluster.Partition("t", 1);

        var first = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("a", records: 3)));
        var second = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b", records: 2)));
        var fetched = await partition.FetchAsync(new FetchRequest(0, 1024 * 1024, TimeSpan.Zero));

        (first.BaseOffset, first.LastOffset, first.IsDuplicate).Should().Be((0L, 2L, false));
        (second.BaseOffset, second.LastOffset).Should().Be((3L, 4L));
        fetched.HighWatermark.Should().Be(5);
        fetched.LogStartOffset.Should().Be(0);
        fetched.LastStableOffset.Should().Be(5);
        TestBatches.Records(fetched.Batches).Should().Equal((0, "a-0"), (1, "a-1"), (2, "a-2"), (3, "b-0"), (4, "b-1"));
        var fromMiddle = await partition.FetchAsync(new FetchRequest(3, 1, TimeSpan.Zero));
        TestBatches.Records(fromMiddle.Batches).Should().Equal((3, "b-0"), (4, "b-1"));
        (await partition.GetOffsetsAsync()).Should().Be(new PartitionOffsets(0, 5, 5));
        (await Cluster.Partition("t", 0).GetOffsetsAsync()).HighWatermark.Should().Be(0, "partitions are independent");
    }

    [Fact]
    public async Task PartitionCalls_UnknownTopicOrPartition_TypedErrors()
    {
        await CreateTopicAsync("t", 2);
        var batch = new ProduceRequest(TestBatches.Create("x"));

        (await FailsWith(RunnelErrorCode.UnknownTopic, () => Cluster.Partition("nope", 0).ProduceAsync(batch).AsTask())).Message.Should().Contain("'nope'");
        (await FailsWith(RunnelErrorCode.UnknownPartition, () => Cluster.Partition("t", 2).ProduceAsync(batch).AsTask())).Message.Should().Contain("partition 2");
        await FailsWith(RunnelErrorCode.UnknownPartition, () => Cluster.Partition("t", 7).FetchAsync(new FetchRequest(0, 100, TimeSpan.Zero)).AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Client.GetGrain<IPartitionGrain>("no-partition-number").GetOffsetsAsync().AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Partition("t", 0).FetchAsync(new FetchRequest(0, 0, TimeSpan.Zero)).AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Partition("t", 0).FetchAsync(new FetchRequest(0, 10, TimeSpan.FromHours(1))).AsTask());
        await FailsWith(RunnelErrorCode.OffsetOutOfRange, () => Cluster.Partition("t", 0).FetchAsync(new FetchRequest(5, 10, TimeSpan.Zero)).AsTask());
    }

    [Fact]
    public async Task GrainCalls_StoreFailsWhileTheGrainsActivate_TheCallerGetsTheRetriableStorageError()
    {
        // Orleans answers the calls waiting for an activation that failed with the activation's exception: it must be
        // one the caller can read (it was the store's own StorageUnavailableException, which has no serializer).
        await CreateTopicAsync("t", 1);
        Store.Sever();

        var partition = await FailsWith(RunnelErrorCode.StorageUnavailable, () => Cluster.Partition("t", 0).GetOffsetsAsync().AsTask());
        var topic = await FailsWith(RunnelErrorCode.StorageUnavailable, () => Cluster.Topic("other").DescribeAsync().AsTask());
        var group = await FailsWith(RunnelErrorCode.StorageUnavailable, () => Cluster.Group("g").DescribeAsync().AsTask());

        new[] { partition, topic, group }.Should().OnlyContain(e => e.IsRetriable && e.Message.Contains("severed"));
    }

    [Fact]
    public async Task Produce_CorruptBatch_CorruptRecordBatchAndNothingAppended()
    {
        await CreateTopicAsync("t", 1);
        var batch = TestBatches.Create("x");
        batch[^1] ^= 0xFF;

        await FailsWith(RunnelErrorCode.CorruptRecordBatch, () => Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(batch)).AsTask());
        await FailsWith(RunnelErrorCode.CorruptRecordBatch, () => Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(new byte[10])).AsTask());

        (await Cluster.Partition("t", 0).GetOffsetsAsync()).HighWatermark.Should().Be(0);
    }

    [Fact]
    public async Task Produce_LargerThanMaxMessageBytes_RefusedUntilTheLimitIsRaised()
    {
        await CreateTopicAsync("t", 1, new() { [TopicConfig.MaxMessageBytes] = "1024" });
        var big = TestBatches.Create("big", records: 4, valueSize: 400);
        big.Length.Should().BeGreaterThan(1024);

        var error = await FailsWith(RunnelErrorCode.RecordBatchTooLarge, () => Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(big)).AsTask());
        error.Message.Should().Contain("max.message.bytes").And.Contain("1024");
        (await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("small")))).BaseOffset.Should().Be(0);

        await Cluster.Topic("t").AlterConfigAsync(new Dictionary<string, string?> { [TopicConfig.MaxMessageBytes] = "4096" });
        (await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(big))).BaseOffset.Should().Be(3, "a raised limit takes effect at once");
    }

    [Fact]
    public async Task Idempotent_RetryOfRecentBatches_OriginalOffsetsMarkedDuplicate()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        var batches = Enumerable.Range(0, 6).Select(i => TestBatches.Create($"s{i}", records: 2, producerId: 7, epoch: 0, sequence: i * 2)).ToArray();
        var originals = new List<ProduceResponse>();
        foreach (var batch in batches)
        {
            originals.Add(await partition.ProduceAsync(new ProduceRequest(batch)));
        }

        var retryLast = await partition.ProduceAsync(new ProduceRequest(batches[5]));
        var retryOldestKept = await partition.ProduceAsync(new ProduceRequest(batches[1]));

        originals.Should().OnlyContain(r => !r.IsDuplicate);
        retryLast.Should().Be(originals[5] with { IsDuplicate = true });
        retryOldestKept.Should().Be(originals[1] with { IsDuplicate = true });
        (await FailsWith(RunnelErrorCode.OutOfOrderSequence, () => partition.ProduceAsync(new ProduceRequest(batches[0])).AsTask()))
            .Message.Should().Contain("expected 12", "only the last 5 batches are remembered");
        (await partition.GetOffsetsAsync()).HighWatermark.Should().Be(12, "no retry was appended");
    }

    [Fact]
    public async Task Idempotent_ConcurrentRetriesOfOneBatch_AppendedOnce()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        var batch = TestBatches.Create("once", producerId: 3, epoch: 0, sequence: 0);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => partition.ProduceAsync(new ProduceRequest(batch)).AsTask()));

        answers.Select(a => (a.BaseOffset, a.LastOffset)).Distinct().Should().ContainSingle().Which.Should().Be((0L, 2L));
        answers.Count(a => !a.IsDuplicate).Should().Be(1);
        (await partition.GetOffsetsAsync()).HighWatermark.Should().Be(3);
    }

    [Fact]
    public async Task Idempotent_SequenceGapOrNewEpochNotAtZero_Refused()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("a", records: 3, producerId: 5, epoch: 1, sequence: 0)));

        var gap = await FailsWith(RunnelErrorCode.OutOfOrderSequence, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b", producerId: 5, epoch: 1, sequence: 4))).AsTask());
        var newEpoch = await FailsWith(RunnelErrorCode.UnknownProducerId, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("c", producerId: 5, epoch: 2, sequence: 3))).AsTask());
        var next = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("d", producerId: 5, epoch: 1, sequence: 3)));

        gap.Message.Should().Contain("sent sequence 4").And.Contain("expected 3");
        newEpoch.Message.Should().Contain("starts at sequence 3, not 0");
        next.BaseOffset.Should().Be(3);
    }

    [Fact]
    public async Task Idempotent_LaterBatchArrivesBeforeTheProducersFirst_RefusedThenWrittenAfterIt()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);

        // The second batch overtakes the first and waits out SequenceGapWait: it must be refused, not taken as the
        // producer's start (which wrote it first and then refused the real first batch for good).
        var overtaking = await FailsWith(RunnelErrorCode.UnknownProducerId,
            () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b", records: 2, producerId: 9, epoch: 0, sequence: 3))).AsTask());
        var first = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("a", records: 3, producerId: 9, epoch: 0, sequence: 0)));
        var resent = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b", records: 2, producerId: 9, epoch: 0, sequence: 3)));

        overtaking.IsRetriable.Should().BeTrue();
        (first.BaseOffset, resent.BaseOffset).Should().Be((0L, 3L));
        var fetched = await partition.FetchAsync(new FetchRequest(0, 1024 * 1024, TimeSpan.Zero));
        TestBatches.Records(fetched.Batches).Select(r => r.Value).Should().Equal("a-0", "a-1", "a-2", "b-0", "b-1");
    }

    [Fact]
    public async Task Idempotent_OlderEpochAfterANewerOne_ProducerFenced()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("old", producerId: 9, epoch: 0, sequence: 0)));
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("new", producerId: 9, epoch: 1, sequence: 0)));

        var fenced = await FailsWith(RunnelErrorCode.ProducerFenced, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("zombie", producerId: 9, epoch: 0, sequence: 3))).AsTask());

        fenced.Message.Should().Contain("epoch 0").And.Contain("epoch 1");
        (await partition.GetOffsetsAsync()).HighWatermark.Should().Be(6);
    }

    [Fact]
    public async Task Idempotent_AfterACleanHandOver_RetryStillAnsweredAsDuplicate()
    {
        await CreateTopicAsync("t", 1);
        var batch = TestBatches.Create("kept", producerId: 11, epoch: 0, sequence: 0);
        var original = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(batch));
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("plain")));

        await Cluster.DeactivateAllAsync();
        var retry = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(batch));
        var next = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("more", producerId: 11, epoch: 0, sequence: 3)));

        retry.Should().Be(original with { IsDuplicate = true });
        next.BaseOffset.Should().Be(6);
        (await FailsWith(RunnelErrorCode.OutOfOrderSequence, () => Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("gap", producerId: 11, epoch: 0, sequence: 9))).AsTask()))
            .Message.Should().Contain("expected 6");
    }

    [Fact]
    public async Task Idempotent_AfterAnUncleanHandOver_StateRebuiltFromTheRecoveredTail()
    {
        await CreateTopicAsync("t", 1);
        var batch = TestBatches.Create("crashed", producerId: 21, epoch: 0, sequence: 0);
        var paths = PartitionPaths.ForTopicPartition("t", 0);
        LogAppendResult appended;
        var crashed = await PartitionLog.OpenAsync(Store, paths, "crashed-owner");
        await using (crashed)
        {
            appended = await crashed.AppendAsync(batch);
        }

        var retry = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(batch));

        retry.Should().Be(new ProduceResponse(appended.BaseOffset, appended.LastOffset, 0, IsDuplicate: true));
        (await Cluster.Partition("t", 0).GetOffsetsAsync()).HighWatermark.Should().Be(3);
    }

    [Fact]
    public async Task Idempotent_PredecessorsLateSnapshotAfterTakeover_StateStillSavedAndKeptAcrossTheNextHandOver()
    {
        // Found by the chaos harness: the predecessor's final snapshot save landed after this owner read the snapshot, so
        // every save of this owner failed (ETag mismatch / AlreadyExists); the next owner loaded the predecessor's stale
        // snapshot, replayed an empty (sealed) tail, and refused the producer's next batch as OutOfOrderSequence.
        await CreateTopicAsync("t", 1);
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("first", producerId: 41, epoch: 0, sequence: 0)));
        await Cluster.DeactivateAllAsync(); // the predecessor saved its snapshot (producer 41 up to sequence 2) and released
        var predecessors = (await Store.GetAsync("topics/t/0/producer-state")).Content.ToArray();
        await Cluster.Partition("t", 0).GetOffsetsAsync(); // this owner takes over and reads (and saves) the snapshot
        await Store.PutAsync("topics/t/0/producer-state", predecessors); // ...then the predecessor's save lands late
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("second", producerId: 41, epoch: 0, sequence: 3)));

        await Cluster.DeactivateAllAsync();
        var next = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("third", producerId: 41, epoch: 0, sequence: 6)));

        next.BaseOffset.Should().Be(6);
        next.IsDuplicate.Should().BeFalse();
    }

    [Fact]
    public async Task Idempotent_SuccessorsSnapshotWithNoNewOffsets_NeverReplacedByTheFencedOwnersSave()
    {
        await CreateTopicAsync("t", 1);
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("first", producerId: 41, epoch: 0, sequence: 0)));
        await Cluster.DeactivateAllAsync();
        await Cluster.Partition("t", 0).GetOffsetsAsync(); // this owner takes over at high watermark 3 and saves its snapshot
        var ours = System.Text.Json.Nodes.JsonNode.Parse((await Store.GetAsync("topics/t/0/producer-state")).Content.Span)!;
        var ourEpoch = ours["logEpoch"]!.GetValue<long>();

        // A successor (next log epoch) saved a snapshot whose offset does not reach past this owner's takeover: offsets
        // cannot tell it from a predecessor's, the epoch can.
        var successors = System.Text.Json.Nodes.JsonNode.Parse(
            $$"""{"version":1,"nextOffset":3,"producers":[{"producerId":99,"epoch":0,"batches":[]}],"logEpoch":{{ourEpoch + 1}}}""")!;
        await Store.PutAsync("topics/t/0/producer-state", System.Text.Encoding.UTF8.GetBytes(successors.ToJsonString()));
        await Cluster.DeactivateAllAsync(); // this owner saves its snapshot as it deactivates

        var stored = System.Text.Json.Nodes.JsonNode.Parse((await Store.GetAsync("topics/t/0/producer-state")).Content.Span)!;
        stored["logEpoch"]!.GetValue<long>().Should().Be(ourEpoch + 1);
        stored["producers"]![0]!["producerId"]!.GetValue<long>().Should().Be(99);
    }

    [Fact]
    public async Task Idempotent_SnapshotOlderThanACleanHandOver_StateRebuiltFromTheLog()
    {
        // Found by the chaos harness: the successor read the snapshot before its predecessor's final save, the hand-over
        // was clean (nothing to recover from the tail), and the producer's next batch was refused as OutOfOrderSequence
        // ("expected 513", the stale snapshot's sequence). A lagging snapshot (late, or its save failed) is now completed
        // from the log between its offset and the recovered tail.
        await CreateTopicAsync("t", 1);
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("first", producerId: 61, epoch: 0, sequence: 0)));
        await Cluster.DeactivateAllAsync(); // clean hand-over: the snapshot is saved at offset 3
        var stale = (await Store.GetAsync("topics/t/0/producer-state")).Content.ToArray();
        var second = TestBatches.Create("second", producerId: 61, epoch: 0, sequence: 3);
        var appended = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(second));
        await Cluster.DeactivateAllAsync(); // clean again: saved at offset 6, then released
        await Store.PutAsync("topics/t/0/producer-state", stale); // ...but the next owner sees the older snapshot

        var retry = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(second));
        var next = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("third", producerId: 61, epoch: 0, sequence: 6)));

        retry.Should().Be(appended with { IsDuplicate = true });
        next.BaseOffset.Should().Be(6);
        next.IsDuplicate.Should().BeFalse();
    }

    [Fact]
    public async Task Idempotent_LaggingSnapshotAndALogStartInsideABatch_ThatBatchStillRebuildsTheProducer()
    {
        // A snapshot that lags (its save failed, or a late one landed) is completed from the log from the log start on;
        // when DeleteRecords put the log start inside a batch the snapshot lacks, that batch is still the producer's
        // latest state and must be replayed, or its next batch is refused as out of order.
        await CreateTopicAsync("t", 1);
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("first", producerId: 71, epoch: 0, sequence: 0)));
        await Cluster.DeactivateAllAsync(); // the snapshot is saved at offset 3
        var stale = (await Store.GetAsync("topics/t/0/producer-state")).Content.ToArray();
        await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("second", producerId: 71, epoch: 0, sequence: 3)));
        (await Cluster.Partition("t", 0).DeleteRecordsAsync(4)).Should().Be(4, "offsets 3-5 are one batch: the log now starts inside it");
        await Cluster.DeactivateAllAsync();
        await Store.PutAsync("topics/t/0/producer-state", stale); // the next owner sees the snapshot at offset 3

        var next = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("third", producerId: 71, epoch: 0, sequence: 6)));

        next.BaseOffset.Should().Be(6);
        next.IsDuplicate.Should().BeFalse();
    }

    [Fact]
    public async Task Idempotent_CrashedOwnerRolledPastAProducersLastBatch_RetryStillADuplicate()
    {
        // The recovered tail is the crashed owner's last segment only; a producer whose last batch is in an earlier
        // segment (and no snapshot names it) is rebuilt from the log before that segment.
        await CreateTopicAsync("t", 1);
        var batch = TestBatches.Create("early", producerId: 71, epoch: 0, sequence: 0);
        var paths = PartitionPaths.ForTopicPartition("t", 0);
        LogAppendResult appended;
        var crashed = await PartitionLog.OpenAsync(Store, paths, "crashed-owner", new PartitionLogOptions { SegmentBytes = 1024 });
        await using (crashed)
        {
            appended = await crashed.AppendAsync(batch);
            for (var i = 0; crashed.Manifest.Segments.Count < 3; i++)
            {
                await crashed.AppendAsync(TestBatches.Create($"filler{i}", records: 8));
            }
        }

        var retry = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(batch));
        var next = await Cluster.Partition("t", 0).ProduceAsync(new ProduceRequest(TestBatches.Create("later", producerId: 71, epoch: 0, sequence: 3)));

        retry.Should().Be(new ProduceResponse(appended.BaseOffset, appended.LastOffset, 0, IsDuplicate: true));
        next.IsDuplicate.Should().BeFalse();
        next.BaseOffset.Should().BeGreaterThan(appended.LastOffset);
    }

    [Fact]
    public async Task Idempotent_EverySegmentBytesAppended_ProducerStateSavedWithoutAHandOver()
    {
        // So that a successor of a long-lived owner that crashed reads at most about one segment to rebuild what the
        // snapshot lacks (and not everything since that owner's activation).
        await CreateTopicAsync("t", 1, new Dictionary<string, string> { [TopicConfig.SegmentBytes] = "4096" });
        var partition = Cluster.Partition("t", 0);
        long lastOffset = 0;
        for (var i = 0; i < 8; i++)
        {
            lastOffset = (await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"b{i}", records: 2, producerId: 91, epoch: 0, sequence: i * 2, valueSize: 512)))).LastOffset;
        }

        var saved = ProducerStateSnapshot.TryFromJson((await Store.GetAsync("topics/t/0/producer-state")).Content.Span)!;

        saved.NextOffset.Should().BeGreaterThan(8, "about 4 KiB (segment.bytes) had been appended by then");
        saved.NextOffset.Should().BeLessThanOrEqualTo(lastOffset + 1);
        saved.Producers.Should().ContainSingle().Which.ProducerId.Should().Be(91);
    }

    [Fact]
    public async Task Produce_ConcurrentRequestsToOnePartition_GroupCommittedIntoFewerAppends()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.GetOffsetsAsync();
        const int Requests = 64;
        var held = Store.HoldAppends();
        using var probe = new InFlightProbe(Cluster.Services(), "t/0", Requests);

        // The first append waits at the gate; every other request queues behind it in the log. Release only once all
        // of them are queued (an event, from the partition's in-flight metric): the next write then carries them all.
        var produced = Enumerable.Range(0, Requests).Select(i => partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"g{i}", records: 1))).AsTask()).ToArray();
        await held;
        await probe.Reached;
        Store.ReleaseAppends();
        var answers = await Task.WhenAll(produced);

        answers.Select(a => a.BaseOffset).Order().Should().Equal(Enumerable.Range(0, Requests).Select(i => (long)i));
        Store.Appends.Should().BeInRange(1, 2, "the requests queued while the first write was held share the next one (or the first, if all queued before it started)");
        var fetched = await partition.FetchAsync(new FetchRequest(0, 1024 * 1024, TimeSpan.Zero));
        TestBatches.Records(fetched.Batches).Should().HaveCount(Requests);
    }

    [Fact]
    public async Task OffsetForTimestamp_BatchesWithIncreasingTimes_FirstRecordAtOrAfter()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("a", records: 3, timestamp: 1000)));
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b", records: 3, timestamp: 2000)));

        (await partition.OffsetForTimestampAsync(0)).Should().Be(0);
        (await partition.OffsetForTimestampAsync(1001)).Should().Be(1);
        (await partition.OffsetForTimestampAsync(1500)).Should().Be(3);
        (await partition.OffsetForTimestampAsync(2002)).Should().Be(5);
        (await partition.OffsetForTimestampAsync(2003)).Should().BeNull();
    }

    [Fact]
    public async Task ProducerIds_AcrossARestart_NeverRepeat()
    {
        var before = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var identity = await Cluster.ProducerIds.AllocateAsync();
            identity.ProducerEpoch.Should().Be(0);
            before.Add(identity.ProducerId);
        }

        await Cluster.RestartAsync();
        var after = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Cluster.ProducerIds.AllocateAsync().AsTask()));

        before.Should().Equal(0, 1, 2, 3, 4);
        after.Select(a => a.ProducerId).Should().OnlyHaveUniqueItems().And.OnlyContain(id => id >= 1000, "the first block stays reserved by the earlier activation");
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Cluster.Client.GetGrain<IProducerIdGrain>("other").AllocateAsync().AsTask());
    }
}
