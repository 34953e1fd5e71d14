using Runnel.Grains.Internal;
using Runnel.Log;

namespace Runnel.Grains.Tests;

public sealed class ProducerStateTableTests
{
    [Fact]
    public void Check_SequenceWrapsPastIntMax_NextSequenceIsZero()
    {
        var table = new ProducerStateTable();
        table.RecordDurable(1, 0, int.MaxValue - 1, int.MaxValue, 0, 1);

        table.Check(1, 0, 0, 4, "t/0").Should().BeNull("sequence numbers wrap to 0 after int.MaxValue");
        ProducerStateTable.LastSequence(int.MaxValue - 1, 3).Should().Be(1);
    }

    [Fact]
    public void Check_UnknownProducerNotAtSequenceZero_UnknownProducerIdAndNothingRecorded()
    {
        var table = new ProducerStateTable();

        // A later batch that overtook the producer's first one must not start the producer: the first would then be
        // refused for good (the defect behind 'sent sequence 0; expected 20' on a healthy cluster).
        Action ahead = () => table.Check(7, 0, 5, 9, "t/0");

        var error = ahead.Should().Throw<RunnelException>().Which;
        error.Code.Should().Be(RunnelErrorCode.UnknownProducerId);
        error.IsRetriable.Should().BeTrue();
        table.Count.Should().Be(0);
        table.Check(7, 0, 0, 4, "t/0").Should().BeNull("sequence 0 starts a producer");
    }

    [Fact]
    public void Check_NewerEpochNotAtSequenceZero_UnknownProducerId()
    {
        var table = new ProducerStateTable();
        table.RecordDurable(7, 0, 0, 4, 0, 4);

        Action newEpochAhead = () => table.Check(7, 1, 3, 3, "t/0");

        newEpochAhead.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.UnknownProducerId);
        table.Check(7, 1, 0, 0, "t/0").Should().BeNull("a bumped epoch starts at sequence 0");
    }

    [Fact]
    public void Snapshot_RoundTrip_KeepsTheLastFiveBatchesPerProducer()
    {
        var table = new ProducerStateTable();
        for (var i = 0; i < 7; i++)
        {
            table.RecordDurable(4, 2, i * 10, (i * 10) + 9, i * 10, (i * 10) + 9);
        }

        var json = table.ToSnapshot(70).ToJson();
        var loaded = new ProducerStateTable();
        loaded.Load(ProducerStateSnapshot.TryFromJson(json)!, highWatermark: 70);

        loaded.Check(4, 2, 20, 29, "t/0").Should().NotBeNull("batch 2 is among the last five");
        Action stale = () => loaded.Check(4, 2, 10, 19, "t/0");
        stale.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.OutOfOrderSequence);
        loaded.Check(4, 2, 70, 79, "t/0").Should().BeNull("70 is next");
        Action olderEpoch = () => loaded.Check(4, 1, 70, 79, "t/0");
        olderEpoch.Should().Throw<RunnelException>().Which.Code.Should().Be(RunnelErrorCode.ProducerFenced);
    }

    [Fact]
    public void Snapshot_WhileAppendsAreInFlight_OnlyBatchesDurableBelowItsOffsetAndTheLastDurableOneOfABusyProducer()
    {
        // Saved periodically, a snapshot is taken while appends are under way: it must name only what is durable below
        // its offset, and must not drop a producer whose five recent batches are all still being appended.
        var table = new ProducerStateTable();
        table.RecordDurable(1, 0, 0, 9, 0, 9);
        var inFlight = Enumerable.Range(1, 5).Select(_ => new TaskCompletionSource<LogAppendResult>()).ToArray();
        for (var i = 0; i < 5; i++)
        {
            table.Record(1, 0, (i + 1) * 10, ((i + 1) * 10) + 9, inFlight[i].Task);
        }

        table.RecordDurable(2, 0, 0, 4, 10, 14);
        table.RecordDurable(2, 0, 5, 9, 15, 19); // durable but at/after the snapshot's offset: the next owner replays it

        var snapshot = table.ToSnapshot(nextOffset: 15);

        snapshot.Producers.Should().HaveCount(2);
        snapshot.Producers.Single(p => p.ProducerId == 1).Batches.Should().Equal(new ProducerSnapshotBatch(0, 9, 0, 9));
        snapshot.Producers.Single(p => p.ProducerId == 2).Batches.Should().Equal(new ProducerSnapshotBatch(0, 4, 10, 14));
    }

    [Fact]
    public void Load_BatchesAtOrAboveTheHighWatermark_Ignored()
    {
        var snapshot = new ProducerStateSnapshot(ProducerStateSnapshot.CurrentVersion, 10, [new ProducerSnapshotEntry(1, 0, [new ProducerSnapshotBatch(0, 4, 5, 9)])]);
        var table = new ProducerStateTable();

        table.Load(snapshot, highWatermark: 9);

        table.Count.Should().Be(0);
        ProducerStateSnapshot.TryFromJson("not json"u8).Should().BeNull();
    }

    [Fact]
    public void Replay_BatchWithoutProducer_Skipped()
    {
        var table = new ProducerStateTable();

        table.Replay(new BatchSummary(0, 2, 0, 100, 0, -1, -1, -1));
        table.Replay(new BatchSummary(3, 5, 100, 100, 0, 8, 0, 0));

        table.Count.Should().Be(1);
        table.Check(8, 0, 3, 3, "t/0").Should().BeNull("the replayed batch held sequences 0-2");
    }
}
