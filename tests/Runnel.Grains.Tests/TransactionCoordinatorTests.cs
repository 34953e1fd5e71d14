using Runnel.Grains.Tests.Infrastructure;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Grains.Tests;

/// <summary>
/// The transaction coordinator grain (<see cref="ITransactionCoordinatorGrain"/>) through an Orleans silo and client, on
/// the file store and fake time (<see cref="ManualTimeProvider"/>). The markers it asks partitions to write are observed
/// by <see cref="MarkerLog"/>, which answers them for the partitions (the partition side of transactions is built
/// beside this). Each test has its own silo and store.
/// </summary>
public sealed class TransactionCoordinatorTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TxnTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory = new("txn");
    private readonly ManualTimeProvider _time = new();
    private readonly MarkerLog _markers = new();
    private GrainsCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await GrainsCluster.StartAsync(
            new FileObjectStore(_directory.Path),
            o =>
            {
                o.GroupSnapshotRecords = 2;
                o.TransactionSweepInterval = TimeSpan.FromMinutes(10); // longer than any timeout here: only the sweep test reaches it
            },
            _time,
            configureSilo: _markers.Install);
        await _cluster.CreateTopicAsync("t", 3);
        await _cluster.CreateTopicAsync("u", 1);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    private ITransactionCoordinatorGrain Coordinator(string id = "tx") => _cluster.Client.GetGrain<ITransactionCoordinatorGrain>(id);

    private static TransactionPartition P(string topic, int partition) => new(topic, partition);

    private static async Task<RunnelException> FailsWith(RunnelErrorCode code, Func<Task> call)
    {
        var thrown = await call.Should().ThrowAsync<RunnelException>();
        thrown.Which.Code.Should().Be(code, "the error was: {0}", thrown.Which.Message);
        return thrown.Which;
    }

    [Fact]
    public async Task InitProducerId_Twice_FencesTheOlderEpoch()
    {
        var first = await Coordinator().InitProducerIdAsync(TxnTimeout);
        var second = await Coordinator().InitProducerIdAsync(TxnTimeout);

        second.ProducerId.Should().Be(first.ProducerId);
        second.ProducerEpoch.Should().Be((short)(first.ProducerEpoch + 1));
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().AddPartitionsAsync(first, [P("t", 0)]).AsTask());
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().AddGroupAsync(first, "g").AsTask());
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().EndTransactionAsync(first, commit: true, bumpEpoch: true).AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Coordinator().AddPartitionsAsync(second with { ProducerEpoch = 9 }, [P("t", 0)]).AsTask());
        await Coordinator().AddPartitionsAsync(second, [P("t", 0)]);
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.Ongoing);
    }

    [Fact]
    public async Task InitProducerId_WithAnOpenTransaction_AbortsItWithTheNewEpochFirst()
    {
        var old = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(old, [P("t", 0), P("t", 2)]);

        var fresh = await Coordinator().InitProducerIdAsync(TxnTimeout);

        fresh.Should().Be(old with { ProducerEpoch = (short)(old.ProducerEpoch + 1) });
        _markers.Written.Select(w => w.Partition).Should().BeEquivalentTo(["t/0", "t/2"]);
        _markers.Written.Should().OnlyContain(w => !w.Marker.Commit && w.Marker.ProducerId == old.ProducerId && w.Marker.ProducerEpoch == fresh.ProducerEpoch);
        var described = await Coordinator().DescribeAsync();
        described.Status.Should().Be(TransactionStatus.CompleteAbort);
        described.Partitions.Should().BeEmpty();

        // The fenced instance cannot end its transaction (as a commit or as an abort).
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().EndTransactionAsync(old, commit: true, bumpEpoch: true).AsTask());
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().EndTransactionAsync(old, commit: false, bumpEpoch: true).AsTask());
    }

    [Fact]
    public async Task EndTransaction_Commit_WritesACommitMarkerToEveryPartitionAdded()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0), P("t", 1)]);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 1), P("u", 0)]);
        (await Coordinator().DescribeAsync()).Partitions.Should().BeEquivalentTo([P("t", 0), P("t", 1), P("u", 0)]);

        var next = await Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true);

        next.Should().Be(producer with { ProducerEpoch = (short)(producer.ProducerEpoch + 1) });
        _markers.Written.Select(w => w.Partition).Should().BeEquivalentTo(["t/0", "t/1", "u/0"]);
        _markers.Written.Should().OnlyContain(w => w.Marker.Commit && w.Marker.ProducerEpoch == next.ProducerEpoch && w.Marker.CoordinatorEpoch > 0);

        // Each marker names the transaction and its partitions of the marker's own topic (what a table waits for).
        _markers.Written.Select(w => w.Marker.TransactionId).Distinct().Should().ContainSingle().Which.Should().BePositive();
        _markers.Written.Where(w => w.Partition.StartsWith("t/", StringComparison.Ordinal)).Should().OnlyContain(w => w.Marker.Participants!.SequenceEqual(new[] { 0, 1 }));
        _markers.Written.Single(w => w.Partition == "u/0").Marker.Participants.Should().Equal(0);
        var described = await Coordinator().DescribeAsync();
        described.Status.Should().Be(TransactionStatus.CompleteCommit);
        described.ProducerEpoch.Should().Be(next.ProducerEpoch);

        // The next transaction runs under the new epoch; the old one is fenced from it.
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().AddPartitionsAsync(producer, [P("t", 0)]).AsTask());
        await Coordinator().AddPartitionsAsync(next, [P("t", 2)]);
        var after = await Coordinator().EndTransactionAsync(next, commit: false, bumpEpoch: true);
        after.ProducerEpoch.Should().Be((short)(next.ProducerEpoch + 1));
        _markers.Written.Should().HaveCount(4);
        _markers.Written[^1].Partition.Should().Be("t/2");
        _markers.Written[^1].Marker.Should().Match<TransactionMarker>(m => m.ProducerId == producer.ProducerId && m.ProducerEpoch == after.ProducerEpoch && !m.Commit
            && m.Participants!.SequenceEqual(new[] { 2 }) && m.TransactionId == _markers.Written[0].Marker.TransactionId + 1, "the next transaction has the next number");
    }

    [Fact]
    public async Task EndTransaction_Retried_AnswersTheSameAndWritesNothingMore()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);
        var next = await Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true);

        var again = await Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true);

        again.Should().Be(next);
        _markers.Written.Should().HaveCount(1);
    }

    [Fact]
    public async Task EndTransaction_WithoutEpochBump_KeepsTheIdentityAndARetryAnswersTheSame()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);

        (await Coordinator().EndTransactionAsync(producer, commit: false, bumpEpoch: false)).Should().Be(producer);
        (await Coordinator().EndTransactionAsync(producer, commit: false, bumpEpoch: false)).Should().Be(producer);

        _markers.Written.Should().ContainSingle().Which.Marker.Should().Match<TransactionMarker>(m => !m.Commit && m.ProducerEpoch == producer.ProducerEpoch);
        await FailsWith(RunnelErrorCode.InvalidTransactionState, () => Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: false).AsTask());
    }

    [Fact]
    public async Task EndTransaction_CommitAfterAbort_IsRefused()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);
        await Coordinator().EndTransactionAsync(producer, commit: false, bumpEpoch: true);

        var error = await FailsWith(RunnelErrorCode.InvalidTransactionState, () => Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true).AsTask());

        error.Message.Should().Contain("aborted");
        _markers.Written.Should().ContainSingle().Which.Marker.Commit.Should().BeFalse();
    }

    [Fact]
    public async Task EndTransaction_MarkersFailingForAWhile_AreRetriedUntilWritten()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0), P("t", 1)]);
        _markers.Failing["t/1"] = true;

        // The budget runs out: the decision stands, the call says "try again".
        var error = await FailsWith(RunnelErrorCode.ConcurrentTransactions, () => Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true).AsTask());
        error.IsRetriable.Should().BeTrue();
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.PrepareCommit);
        await FailsWith(RunnelErrorCode.ConcurrentTransactions, () => Coordinator().AddPartitionsAsync(producer, [P("t", 2)]).AsTask());
        await FailsWith(RunnelErrorCode.InvalidTransactionState, () => Coordinator().EndTransactionAsync(producer, commit: false, bumpEpoch: true).AsTask());

        _markers.Failing.Clear();
        var next = await Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true);

        next.ProducerEpoch.Should().Be((short)(producer.ProducerEpoch + 1));
        _markers.Written.Select(w => w.Partition).Should().BeEquivalentTo(["t/0", "t/1"], "t/0's marker, written once, is not written again");
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.CompleteCommit);
    }

    [Fact]
    public async Task Timeout_AbortsTheOpenTransactionAndTheTimedOutProducerIsTold()
    {
        var producer = await Coordinator().InitProducerIdAsync(TimeSpan.FromSeconds(10));
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0), P("u", 0)]);
        _time.Advance(TimeSpan.FromSeconds(9));
        _markers.Written.Should().BeEmpty();

        _time.Advance(TimeSpan.FromSeconds(2));
        await _markers.WaitForAsync(2, Guard);

        _markers.Written.Should().OnlyContain(w => !w.Marker.Commit && w.Marker.ProducerEpoch == producer.ProducerEpoch + 1);
        var described = await Coordinator().DescribeAsync();
        described.Status.Should().Be(TransactionStatus.CompleteAbort);
        described.ProducerEpoch.Should().Be((short)(producer.ProducerEpoch + 1));
        await FailsWith(RunnelErrorCode.TransactionAborted, () => Coordinator().AddPartitionsAsync(producer, [P("t", 1)]).AsTask());
        await FailsWith(RunnelErrorCode.TransactionAborted, () => Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true).AsTask());

        // Aborting it is what the producer does next: it goes on under the epoch the abort moved it to.
        var next = await Coordinator().EndTransactionAsync(producer, commit: false, bumpEpoch: true);
        next.ProducerEpoch.Should().Be((short)(producer.ProducerEpoch + 1));
        await Coordinator().AddPartitionsAsync(next, [P("t", 1)]);
    }

    [Fact]
    public async Task Sweep_CoordinatorNotActive_TimesOutItsTransaction()
    {
        var producer = await Coordinator().InitProducerIdAsync(TimeSpan.FromSeconds(10));
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);
        (await _cluster.TryDeactivateAllAsync()).Should().BeTrue("the coordinator, with its timer, is gone");

        // Nothing calls the coordinator: only the sweep (every 10 min of the grains' clock) can wake it.
        _time.Advance(TimeSpan.FromMinutes(10));

        await _markers.WaitForAsync(1, Guard);
        _markers.Written.Should().ContainSingle().Which.Marker.Commit.Should().BeFalse();
    }

    [Fact]
    public async Task AddPartitions_UnknownTopicOrPartition_IsRefusedAndNothingOpens()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);

        await FailsWith(RunnelErrorCode.UnknownTopic, () => Coordinator().AddPartitionsAsync(producer, [P("nope", 0)]).AsTask());
        var error = await FailsWith(RunnelErrorCode.UnknownPartition, () => Coordinator().AddPartitionsAsync(producer, [P("t", 0), P("t", 3)]).AsTask());

        error.Message.Should().Contain("t/3");
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.Empty);
    }

    [Fact]
    public async Task BadInput_IsATypedError()
    {
        await FailsWith(RunnelErrorCode.UnknownTransactionalId, () => Coordinator("never").DescribeAsync().AsTask());
        await FailsWith(RunnelErrorCode.UnknownTransactionalId, () => Coordinator("never").AddPartitionsAsync(new ProducerIdentity(1, 0), [P("t", 0)]).AsTask());
        await FailsWith(RunnelErrorCode.InvalidArgument, () => Coordinator("bad id").InitProducerIdAsync(TxnTimeout).AsTask());
        var error = await FailsWith(RunnelErrorCode.InvalidArgument, () => Coordinator().InitProducerIdAsync(TimeSpan.FromHours(1)).AsTask());
        error.Message.Should().Contain("timeout");
        await FailsWith(RunnelErrorCode.InvalidGroupId, () => Coordinator().AddGroupAsync(new ProducerIdentity(1, 0), "bad group").AsTask());
    }

    [Fact]
    public async Task State_SurvivesDeactivation()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);
        await Coordinator().AddGroupAsync(producer, "g");
        await _cluster.DeactivateAllAsync();

        var described = await Coordinator().DescribeAsync();

        described.Should().BeEquivalentTo(new { ProducerId = producer.ProducerId, ProducerEpoch = producer.ProducerEpoch, Status = TransactionStatus.Ongoing, Partitions = new[] { P("t", 0) }, Groups = new[] { "g" } });
        (await _cluster.Client.GetGrain<ITransactionCatalogGrain>(RunnelCluster.SingletonKey).ListAsync()).Select(d => d.TransactionalId).Should().Equal("tx");
    }

    [Fact]
    public async Task Catalog_ListsEveryInitializedId()
    {
        await Coordinator("b").InitProducerIdAsync(TxnTimeout);
        var a = await Coordinator("a").InitProducerIdAsync(TxnTimeout);
        await Coordinator("a").AddPartitionsAsync(a, [P("t", 1)]);

        var listed = await _cluster.Client.GetGrain<ITransactionCatalogGrain>(RunnelCluster.SingletonKey).ListAsync();

        listed.Select(d => d.TransactionalId).Should().Equal("a", "b");
        listed[0].Status.Should().Be(TransactionStatus.Ongoing);
        listed[0].Partitions.Should().Equal(P("t", 1));
        listed[1].ProducerId.Should().NotBe(a.ProducerId);
    }

    [Fact]
    public async Task AddPartitions_StateWriteFails_NothingIsOpenAndARetryWritesIt()
    {
        var producer = await Coordinator().InitProducerIdAsync(TxnTimeout);
        var store = _cluster.StoreOf(_cluster.Silos[0]);
        store.BeforePut = name => name.Contains("transaction-coordinator", StringComparison.Ordinal)
            ? throw new StorageUnavailableException(name, "test: the store is down", isOutcomeUnknown: false)
            : ValueTask.CompletedTask;

        await FailsWith(RunnelErrorCode.StorageUnavailable, () => Coordinator().AddPartitionsAsync(producer, [P("t", 0)]).AsTask());

        store.BeforePut = null;
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.Empty, "the change that was not written is not acted on");
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);
        await _cluster.DeactivateAllAsync();
        (await Coordinator().DescribeAsync()).Partitions.Should().Equal(P("t", 0));
    }

    [Fact]
    public async Task InitProducerId_AbortMarkersPending_OldInstanceIsFencedNeverHandedTheNewIdentity()
    {
        var old = await Coordinator().InitProducerIdAsync(TxnTimeout);
        await Coordinator().AddPartitionsAsync(old, [P("t", 0)]);
        _markers.Failing["t/0"] = true;

        await FailsWith(RunnelErrorCode.ConcurrentTransactions, () => Coordinator().InitProducerIdAsync(TxnTimeout).AsTask());
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.PrepareAbort);
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().EndTransactionAsync(old, commit: false, bumpEpoch: true).AsTask());
        await FailsWith(RunnelErrorCode.ConcurrentTransactions, () => Coordinator().AddPartitionsAsync(old, [P("t", 1)]).AsTask());

        _markers.Failing.Clear();
        var fresh = await Coordinator().InitProducerIdAsync(TxnTimeout);
        fresh.ProducerEpoch.Should().BeGreaterThan(old.ProducerEpoch);
        await FailsWith(RunnelErrorCode.ProducerFenced, () => Coordinator().EndTransactionAsync(old, commit: false, bumpEpoch: true).AsTask());
        _markers.Written.Should().ContainSingle().Which.Marker.Should().Match<TransactionMarker>(m => !m.Commit && m.ProducerEpoch == old.ProducerEpoch + 1);
    }

    [Fact]
    public async Task Timeout_AbortMarkersPending_TimedOutProducerIsToldAborted()
    {
        var producer = await Coordinator().InitProducerIdAsync(TimeSpan.FromSeconds(10));
        await Coordinator().AddPartitionsAsync(producer, [P("t", 0)]);
        _markers.Failing["t/0"] = true;
        _time.Advance(TimeSpan.FromSeconds(11));
        await Coordinator().ExpireAsync(); // the timer may have decided first; either way the abort is decided, its markers pending
        (await Coordinator().DescribeAsync()).Status.Should().Be(TransactionStatus.PrepareAbort);

        await FailsWith(RunnelErrorCode.TransactionAborted, () => Coordinator().EndTransactionAsync(producer, commit: true, bumpEpoch: true).AsTask());
        await FailsWith(RunnelErrorCode.ConcurrentTransactions, () => Coordinator().AddPartitionsAsync(producer, [P("t", 1)]).AsTask());

        _markers.Failing.Clear();
        await FailsWith(RunnelErrorCode.TransactionAborted, () => Coordinator().AddPartitionsAsync(producer, [P("t", 1)]).AsTask());
        var next = await Coordinator().EndTransactionAsync(producer, commit: false, bumpEpoch: true);
        next.ProducerEpoch.Should().Be((short)(producer.ProducerEpoch + 1));
    }
}
