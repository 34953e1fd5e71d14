using Runnel.Grains.Internal;
using Runnel.Grains.Tests.Infrastructure;

namespace Runnel.Grains.Tests;

/// <summary>The partition's side of transactions: transactional batches hold the last stable offset, markers move it and
/// fence older epochs, read_committed fetches stop below it and name the aborts, and all of it survives the partition
/// moving (with its producer-state snapshot, or rebuilt from the log when the snapshot is lost).</summary>
public abstract partial class GrainTests
{
    [Fact]
    public async Task Transactions_OpenTransaction_ReadCommittedFetchStopsBelowIt_MarkerReleasesIt()
    {
        await CreateTopicAsync("tx", 1);
        var partition = Cluster.Partition("tx", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("plain", records: 2)));                                         // 0-1
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("t", records: 2, producerId: 70, epoch: 0, sequence: 0, transactional: true))); // 2-3
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("after", records: 1)));                                         // 4

        var committed = await partition.FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero, IsolationLevel.ReadCommitted));
        var uncommitted = await partition.FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero));

        TestBatches.Records(committed.Batches).Select(r => r.Offset).Should().Equal(0, 1);
        (committed.LastStableOffset, committed.HighWatermark).Should().Be((2L, 5L));
        TestBatches.Records(uncommitted.Batches).Select(r => r.Offset).Should().Equal(0, 1, 2, 3, 4);
        (await partition.GetOffsetsAsync()).LastStableOffset.Should().Be(2);

        // A read_committed long-poll at the stable offset waits for the marker, not for any append.
        var waiting = partition.FetchAsync(new FetchRequest(2, 1 << 20, TimeSpan.FromSeconds(20), IsolationLevel.ReadCommitted)).AsTask();
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("more", records: 1)));                                          // 5
        var markerOffset = await partition.WriteTransactionMarkerAsync(new TransactionMarker(70, 0, Commit: false, CoordinatorEpoch: 0)); // 6
        var released = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        markerOffset.Should().Be(6);
        released.LastStableOffset.Should().Be(7);
        released.AbortedTransactions.Should().Equal(new AbortedTransaction(70, 2, 6));
        TestBatches.Records(released.Batches).Select(r => r.Offset).Should().Equal([2L, 3, 4, 5, 6], "the marker's batch is returned too (readers skip control batches)");
        TestBatches.Records(released.Batches).Take(4).Select(r => r.Value).Should().Equal("t-0", "t-1", "after-0", "more-0");
    }

    [Fact]
    public async Task Transactions_MarkerWithANewerEpoch_FencesTheOlderOne_AndTheNextTransactionStartsAtSequenceZero()
    {
        await CreateTopicAsync("tx", 1);
        var partition = Cluster.Partition("tx", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("e0", records: 2, producerId: 71, epoch: 0, sequence: 0, transactional: true)));

        await partition.WriteTransactionMarkerAsync(new TransactionMarker(71, 1, Commit: true, CoordinatorEpoch: 0));

        // A late batch of the ended epoch, a marker of it, and a non-zero start of the new epoch are all refused.
        await FailsWith(RunnelErrorCode.ProducerFenced, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("late", 1, producerId: 71, epoch: 0, sequence: 2, transactional: true))).AsTask());
        await FailsWith(RunnelErrorCode.ProducerFenced, () => partition.WriteTransactionMarkerAsync(new TransactionMarker(71, 0, Commit: false, CoordinatorEpoch: 0)).AsTask());
        await FailsWith(RunnelErrorCode.OutOfOrderSequence, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("gap", 1, producerId: 71, epoch: 1, sequence: 5, transactional: true))).AsTask());
        var next = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("e1", records: 1, producerId: 71, epoch: 1, sequence: 0, transactional: true)));

        next.BaseOffset.Should().Be(3);
        (await partition.GetOffsetsAsync()).LastStableOffset.Should().Be(3, "the new transaction is open from offset 3");
    }

    [Fact]
    public async Task Transactions_BadInput_TypedErrors()
    {
        await CreateTopicAsync("tx", 1);
        var partition = Cluster.Partition("tx", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("open", 1, producerId: 72, epoch: 0, sequence: 0, transactional: true)));

        (await FailsWith(RunnelErrorCode.InvalidTransactionState, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("idem", 1, producerId: 72, epoch: 0, sequence: 1))).AsTask()))
            .Message.Should().Contain("transaction open");
        await FailsWith(RunnelErrorCode.InvalidArgument, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("nopid", 1, transactional: true))).AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => partition.WriteTransactionMarkerAsync(new TransactionMarker(-1, 0, true, 0)).AsTask());
        var control = PartitionGrain.BuildMarker(new TransactionMarker(72, 0, true, 0), TestBatches.BaseTimestamp);
        await FailsWith(RunnelErrorCode.InvalidArgument, () => partition.ProduceAsync(new ProduceRequest(control)).AsTask());
        (await partition.GetOffsetsAsync()).HighWatermark.Should().Be(1, "nothing refused was appended");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Transactions_SurviveThePartitionMoving(bool snapshotLost)
    {
        await CreateTopicAsync("tx", 1);
        var partition = Cluster.Partition("tx", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("a", records: 2, producerId: 73, epoch: 0, sequence: 0, transactional: true))); // 0-1
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b", records: 1, producerId: 74, epoch: 0, sequence: 0, transactional: true))); // 2
        await partition.WriteTransactionMarkerAsync(new TransactionMarker(73, 1, Commit: false, CoordinatorEpoch: 0));                                    // 3

        await Cluster.DeactivateAllAsync();
        if (snapshotLost)
        {
            await Store.DeleteAsync(StoragePaths.ProducerState("tx", 0));
        }

        var offsets = await partition.GetOffsetsAsync();
        offsets.LastStableOffset.Should().Be(2, "producer 74's transaction is still open");
        var fetched = await partition.FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero, IsolationLevel.ReadCommitted));
        fetched.AbortedTransactions.Should().Equal(new AbortedTransaction(73, 0, 3));
        await FailsWith(RunnelErrorCode.ProducerFenced, () => partition.ProduceAsync(new ProduceRequest(TestBatches.Create("late", 1, producerId: 73, epoch: 0, sequence: 2, transactional: true))).AsTask());
        (await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("b2", 1, producerId: 74, epoch: 0, sequence: 1, transactional: true)))).BaseOffset.Should().Be(4, "producer 74 goes on in sequence");
    }
}
