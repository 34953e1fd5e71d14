using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>
/// Transactions end to end on one silo over the file store, on fake time: the coordinator with real partitions (its
/// markers pass through <see cref="MarkerLog"/> to them) and consumer groups' transactional offsets
/// (<see cref="IConsumerGroupGrain.CommitTransactionalOffsetsAsync"/>). Each test has its own silo and store.
/// </summary>
public sealed class TransactionalOffsetsTests : IAsyncLifetime
{
    private static readonly TimeSpan TxnTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory = new("txn-offsets");
    private readonly ManualTimeProvider _time = new();
    private readonly MarkerLog _markers = new() { PassThrough = true };
    private GrainsCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await GrainsCluster.StartAsync(
            new FileObjectStore(_directory.Path),
            o =>
            {
                o.GroupSnapshotRecords = 2; // pending offsets go through snapshots too
                o.TransactionSweepInterval = TimeSpan.FromMinutes(10);
            },
            _time,
            configureSilo: _markers.Install);
        await _cluster.CreateTopicAsync("in", 2);
        await _cluster.CreateTopicAsync("out", 2);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    private ITransactionCoordinatorGrain Coordinator => _cluster.Client.GetGrain<ITransactionCoordinatorGrain>("job");

    private IConsumerGroupGrain Group => _cluster.Group("g");

    private static TransactionalOffsetCommitRequest Standalone(ProducerIdentity producer, params (int Partition, long Offset)[] offsets) =>
        new("job", producer, "", -1, [.. offsets.Select(o => new CommittedOffset("in", o.Partition, o.Offset, null))]);

    private static async Task<RunnelException> FailsWith(RunnelErrorCode code, Func<Task> call)
    {
        var thrown = await call.Should().ThrowAsync<RunnelException>();
        thrown.Which.Code.Should().Be(code, "the error was: {0}", thrown.Which.Message);
        return thrown.Which;
    }

    private async Task<Dictionary<int, long>> StableOffsetsAsync() =>
        (await Group.FetchStableOffsetsAsync(null)).ToDictionary(o => o.Partition, o => o.Offset);

    private async Task<FetchResponse> ReadCommittedAsync(string topic, int partition) =>
        await _cluster.Partition(topic, partition).FetchAsync(new FetchRequest(0, 1 << 20, TimeSpan.Zero, IsolationLevel.ReadCommitted));

    private async Task ProduceAsync(ProducerIdentity producer, int partition, string tag, int sequence) =>
        await _cluster.Partition("out", partition).ProduceAsync(new ProduceRequest(TestBatches.Create(tag, 3, producerId: producer.ProducerId, epoch: producer.ProducerEpoch, sequence: sequence, transactional: true)));

    [Fact]
    public async Task PendingOffsets_AreUnstableUntilCommittedThenCommitted()
    {
        var producer = new ProducerIdentity(7, 0);
        await Group.CommitTransactionalOffsetsAsync(Standalone(producer, (0, 10), (1, 20)));

        await FailsWith(RunnelErrorCode.UnstableOffsetCommit, () => Group.FetchStableOffsetsAsync(null).AsTask());
        var error = await FailsWith(RunnelErrorCode.UnstableOffsetCommit, () => Group.FetchStableOffsetsAsync([new GroupPartition("in", 1)]).AsTask());
        error.IsRetriable.Should().BeTrue();
        (await Group.FetchOffsetsAsync(null)).Should().BeEmpty("pending offsets are not committed");
        (await Group.FetchStableOffsetsAsync([new GroupPartition("other", 0)])).Should().BeEmpty();

        await Group.CompleteTransactionAsync(7, 1, commit: true);

        (await StableOffsetsAsync()).Should().Equal(new Dictionary<int, long> { [0] = 10, [1] = 20 });
        await Group.CompleteTransactionAsync(7, 1, commit: true); // a repeated marker changes nothing
        (await StableOffsetsAsync()).Should().Equal(new Dictionary<int, long> { [0] = 10, [1] = 20 });
    }

    [Fact]
    public async Task PendingOffsets_Aborted_AreDropped()
    {
        await Group.CommitOffsetsAsync(new OffsetCommitRequest("", -1, [new CommittedOffset("in", 0, 5, null)]));
        await Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(7, 0), (0, 10)));

        await Group.CompleteTransactionAsync(7, 1, commit: false);

        (await StableOffsetsAsync()).Should().Equal(new Dictionary<int, long> { [0] = 5 });
    }

    [Fact]
    public async Task PendingOffsets_SurviveAGroupFailover()
    {
        await Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(7, 0), (0, 10)));
        await Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(8, 3), (1, 30)));
        await Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(7, 0), (1, 11))); // a snapshot was taken before this
        await _cluster.DeactivateAllAsync();

        await FailsWith(RunnelErrorCode.UnstableOffsetCommit, () => Group.FetchStableOffsetsAsync([new GroupPartition("in", 0)]).AsTask());
        await Group.CompleteTransactionAsync(8, 4, commit: false);
        await _cluster.DeactivateAllAsync();
        await Group.CompleteTransactionAsync(7, 0, commit: true);
        await _cluster.DeactivateAllAsync();

        (await StableOffsetsAsync()).Should().Equal(new Dictionary<int, long> { [0] = 10, [1] = 11 });
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(8, 3), (0, 99))).AsTask());
    }

    [Fact]
    public async Task TransactionalCommit_OlderProducerEpoch_IsFenced()
    {
        await Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(7, 2), (0, 10)));

        await FailsWith(RunnelErrorCode.ProducerFenced, () => Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(7, 1), (0, 11))).AsTask());

        // A stale marker (older than the pending epoch) completes nothing.
        await Group.CompleteTransactionAsync(7, 1, commit: true);
        await FailsWith(RunnelErrorCode.UnstableOffsetCommit, () => Group.FetchStableOffsetsAsync(null).AsTask());
        await Group.CompleteTransactionAsync(7, 3, commit: true);
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Group.CommitTransactionalOffsetsAsync(Standalone(new ProducerIdentity(7, 2), (0, 12))).AsTask());
        (await StableOffsetsAsync()).Should().Equal(new Dictionary<int, long> { [0] = 10 });
    }

    [Fact]
    public async Task TransactionalCommit_ZombieMemberEpoch_IsFenced()
    {
        var member = new SimulatedMember(Group, "m1") { Topics = ["in"] };
        await member.HeartbeatAsync();
        await member.HeartbeatAsync();
        member.Owned.Should().HaveCount(2);
        var producer = new ProducerIdentity(7, 0);
        TransactionalOffsetCommitRequest Commit(int epoch) => new("job", producer, member.MemberId, epoch, [new CommittedOffset("in", 0, 10, null)]);

        await FailsWith(RunnelErrorCode.FencedMember, () => Group.CommitTransactionalOffsetsAsync(Commit(member.Epoch + 1)).AsTask());
        await FailsWith(RunnelErrorCode.UnknownMember, () => Group.CommitTransactionalOffsetsAsync(Commit(member.Epoch) with { MemberId = "nobody" }).AsTask());
        await FailsWith(RunnelErrorCode.GroupNotEmpty, () => Group.CommitTransactionalOffsetsAsync(Standalone(producer, (0, 10))).AsTask());
        await Group.CommitTransactionalOffsetsAsync(Commit(member.Epoch));
        await FailsWith(RunnelErrorCode.UnstableOffsetCommit, () => Group.FetchStableOffsetsAsync(null).AsTask());
    }

    [Fact]
    public async Task Commit_ProducedRecordsAndOffsets_BecomeVisibleTogether()
    {
        var producer = await Coordinator.InitProducerIdAsync(TxnTimeout);
        await Coordinator.AddPartitionsAsync(producer, [new TransactionPartition("out", 0), new TransactionPartition("out", 1)]);
        await ProduceAsync(producer, 0, "a", 0);
        await ProduceAsync(producer, 1, "b", 0);
        await Coordinator.AddGroupAsync(producer, "g");
        await Group.CommitTransactionalOffsetsAsync(Standalone(producer, (0, 3)));

        var before = await ReadCommittedAsync("out", 0);
        TestBatches.DataRecords(before.Batches).Should().BeEmpty("read_committed sees nothing of an open transaction");
        before.LastStableOffset.Should().Be(0);
        await FailsWith(RunnelErrorCode.UnstableOffsetCommit, () => Group.FetchStableOffsetsAsync(null).AsTask());

        var next = await Coordinator.EndTransactionAsync(producer, commit: true, bumpEpoch: true);

        foreach (var (partition, tag) in new[] { (0, "a"), (1, "b") })
        {
            var after = await ReadCommittedAsync("out", partition);
            TestBatches.DataRecords(after.Batches).Select(r => r.Value).Should().Equal($"{tag}-0", $"{tag}-1", $"{tag}-2");
            after.LastStableOffset.Should().Be(4, "the three records and the commit marker are stable");
            after.AbortedTransactions.Should().BeEmpty();
        }

        (await StableOffsetsAsync()).Should().Equal(new Dictionary<int, long> { [0] = 3 });

        // The ended transaction's epoch is fenced on the partitions; the next one writes under the new epoch.
        await FailsWith(RunnelErrorCode.ProducerFenced, () => ProduceAsync(producer, 0, "late", 3));
        await Coordinator.AddPartitionsAsync(next, [new TransactionPartition("out", 0)]);
        await ProduceAsync(next, 0, "c", 0);
    }

    [Fact]
    public async Task Abort_ProducedRecordsAreListedAbortedAndOffsetsDropped()
    {
        var producer = await Coordinator.InitProducerIdAsync(TxnTimeout);
        await Coordinator.AddPartitionsAsync(producer, [new TransactionPartition("out", 0)]);
        await ProduceAsync(producer, 0, "a", 0);
        await Coordinator.AddGroupAsync(producer, "g");
        await Group.CommitTransactionalOffsetsAsync(Standalone(producer, (1, 3)));

        await Coordinator.EndTransactionAsync(producer, commit: false, bumpEpoch: true);

        var after = await ReadCommittedAsync("out", 0);
        after.LastStableOffset.Should().Be(4);
        after.AbortedTransactions.Should().Equal(new AbortedTransaction(producer.ProducerId, 0, 3));
        (await StableOffsetsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task InitProducerId_OpenTransaction_IsAbortedOnThePartitionsAndTheOldInstanceFenced()
    {
        var old = await Coordinator.InitProducerIdAsync(TxnTimeout);
        await Coordinator.AddPartitionsAsync(old, [new TransactionPartition("out", 1)]);
        await ProduceAsync(old, 1, "zombie", 0);

        var fresh = await Coordinator.InitProducerIdAsync(TxnTimeout);

        var read = await ReadCommittedAsync("out", 1);
        read.LastStableOffset.Should().Be(4);
        read.AbortedTransactions.Should().Equal(new AbortedTransaction(old.ProducerId, 0, 3));
        await FailsWith(RunnelErrorCode.ProducerFenced, () => ProduceAsync(old, 1, "zombie", 3));
        await Coordinator.AddPartitionsAsync(fresh, [new TransactionPartition("out", 1)]);
        await ProduceAsync(fresh, 1, "fresh", 0);
    }
}
