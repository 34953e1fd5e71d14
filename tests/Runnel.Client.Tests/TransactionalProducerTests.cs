using System.Text;
using Runnel.Client.Tests.Fakes;
using Runnel.Client.Tests.Infrastructure;
using Runnel.Log.Batches;

namespace Runnel.Client.Tests;

/// <summary>The transactional producer's own rules against the fake coordinator and partitions: states and their errors,
/// partitions added before their batches, transactional batches, the epoch the coordinator bumps, fencing.
/// (Visibility to read_committed readers needs the real grains: TransactionsEndToEndTests.)</summary>
public sealed class TransactionalProducerTests(FakeClusterFixture fixture) : IClassFixture<FakeClusterFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly FakeCluster _cluster = fixture.ForTest();

    private static ProducerOptions Transactional(string id) => ProducerOptions.Default with
    {
        TransactionalId = id,
        RetryBackoff = TimeSpan.FromMilliseconds(1),
        RetryBackoffMax = TimeSpan.FromMilliseconds(5),
    };

    private static string NewId() => "tx-" + Guid.NewGuid().ToString("N")[..8];

    private static Message<string, string> Msg(string? key, string value) => new() { Key = key, Value = value };

    private Producer<string, string> Create(ProducerOptions options) => new(_cluster.Connection.Grains, options);

    [Fact]
    public void Options_BadTransactionalIdOrTimeoutOrNoIdempotence_ArgumentErrorNamingTheField()
    {
        var bad = () => (ProducerOptions.Default with { TransactionalId = "no spaces" }).Validate();
        bad.Should().Throw<ArgumentException>().WithMessage("*TransactionalId 'no spaces' is not valid*");
        var notIdempotent = () => (ProducerOptions.Default with { TransactionalId = "ok", EnableIdempotence = false }).Validate();
        notIdempotent.Should().Throw<ArgumentException>().WithMessage("*TransactionalId needs EnableIdempotence*");
        var tooLong = () => (ProducerOptions.Default with { TransactionalId = "ok", TransactionTimeout = TimeSpan.FromMinutes(16) }).Validate();
        tooLong.Should().Throw<ArgumentException>().WithMessage("*TransactionTimeout must be between*");
        ProducerOptions.Default.TransactionTimeout.Should().Be(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Produce_OutsideATransaction_InvalidTransactionStateThrownSynchronously()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create(Transactional(NewId()));

        // Each call throws before it returns a task: the record is never buffered.
        Action beforeInit = () => _ = producer.ProduceAsync(topic, Msg("k", "v"));
        beforeInit.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.InvalidTransactionState).WithMessage("*InitTransactionsAsync*");
        var beginFirst = () => producer.BeginTransaction();
        beginFirst.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.InvalidTransactionState);

        await producer.InitTransactionsAsync().WaitAsync(Guard);
        Action beforeBegin = () => producer.Produce(topic, Msg("k", "v"));
        beforeBegin.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.InvalidTransactionState).WithMessage("*BeginTransaction*");

        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "in")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        Action afterCommit = () => producer.EnqueueAsync(topic, Msg("k", "v"), null).AsTask().Dispose();
        afterCommit.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.InvalidTransactionState);
        var commitAgain = () => producer.CommitTransactionAsync();
        (await commitAgain.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidTransactionState);

        LogReader.Records(_cluster.Broker.Log($"{topic}/0")).Select(r => r.Value).Should().Equal("in");
    }

    [Fact]
    public async Task NotTransactional_TransactionCalls_InvalidTransactionState()
    {
        await using var producer = Create(ProducerOptions.Default);
        var init = () => producer.InitTransactionsAsync();
        (await init.Should().ThrowAsync<RunnelException>()).Which.Message.Should().Contain("TransactionalId");
        var begin = () => producer.BeginTransaction();
        begin.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.InvalidTransactionState);
    }

    [Fact]
    public async Task Commit_PartitionsAddedBeforeTheirBatches_TransactionalBatchesAndTheNextEpochFromSequenceZero()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        var id = NewId();
        await using var producer = Create(Transactional(id));
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        var first = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => producer.ProduceAsync(new TopicPartition(topic, i % 2), Msg(null, $"a{i}")))).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(new TopicPartition(topic, 0), Msg(null, "b")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        first.Should().OnlyContain(r => r.Status == PersistenceStatus.Persisted);
        var events = _cluster.Broker.TransactionEvents.ToList();
        foreach (var p in new[] { 0, 1 })
        {
            events.IndexOf($"add {topic}/{p}").Should().BeGreaterThan(-1).And.BeLessThan(events.IndexOf($"send {topic}/{p}"), "a partition is added before its first batch leaves");
        }

        events.Where(e => e is "commit" or "abort").Should().Equal("commit", "commit");
        var state = _cluster.Broker.Transactions[id];
        state.Ended.Select(e => e.Partitions.Length).Should().Equal(2, 1);
        var attempts = _cluster.Broker.Log($"{topic}/0").Attempts;
        attempts.Should().OnlyContain(a => RecordBatchHeader.Read(a.Bytes).IsTransactional);
        attempts[^1].Epoch.Should().Be((short)(attempts[0].Epoch + 1), "the commit bumped the epoch");
        attempts[^1].BaseSequence.Should().Be(0, "the bumped epoch starts at sequence 0");
        attempts[^1].ProducerId.Should().Be(state.ProducerId);
    }

    [Fact]
    public async Task Abort_BufferedRecordsFailTransactionAborted_ThenCommitRefused()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create(Transactional(NewId()) with { Linger = TimeSpan.FromMinutes(5) });
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        var buffered = producer.ProduceAsync(topic, Msg("k", "never"));
        await producer.AbortTransactionAsync().WaitAsync(Guard);

        Func<Task> awaitBuffered = () => buffered;
        var error = (await awaitBuffered.Should().ThrowAsync<ProduceException<string, string>>()).Which;
        error.Code.Should().Be(RunnelErrorCode.TransactionAborted);
        error.DeliveryResult.Status.Should().Be(PersistenceStatus.NotPersisted);
        var commit = () => producer.CommitTransactionAsync();
        (await commit.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidTransactionState);
        _cluster.Broker.Log($"{topic}/0").Attempts.Should().BeEmpty();

        // The producer goes on with the next transaction.
        producer.BeginTransaction();
        var kept = producer.ProduceAsync(topic, Msg("k", "kept"));
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        (await kept).Status.Should().Be(PersistenceStatus.Persisted);
    }

    [Fact]
    public async Task Abort_AfterRecordsWereSent_CoordinatorAbortsAndNextTransactionUsesTheBumpedEpoch()
    {
        var topic = await _cluster.CreateTopicAsync();
        var id = NewId();
        await using var producer = Create(Transactional(id));
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "aborted")).WaitAsync(Guard);
        await producer.AbortTransactionAsync().WaitAsync(Guard);
        var commitAfterAbort = () => producer.CommitTransactionAsync();
        (await commitAfterAbort.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidTransactionState);

        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "committed")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        _cluster.Broker.Transactions[id].Ended.Select(e => e.Commit).Should().Equal(false, true);
        var attempts = _cluster.Broker.Log($"{topic}/0").Attempts;
        attempts.Select(a => (a.Epoch, a.BaseSequence)).Should().Equal((0, 0), (1, 0));
    }

    [Fact]
    public async Task InitTransactions_SecondInstance_FirstIsFencedAndUnusable()
    {
        var topic = await _cluster.CreateTopicAsync();
        var id = NewId();
        await using var first = Create(Transactional(id));
        await first.InitTransactionsAsync().WaitAsync(Guard);
        first.BeginTransaction();
        await first.ProduceAsync(topic, Msg("k", "zombie")).WaitAsync(Guard);

        await using var second = Create(Transactional(id));
        await second.InitTransactionsAsync().WaitAsync(Guard);

        var commit = () => first.CommitTransactionAsync();
        (await commit.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.ProducerFenced);
        var begin = () => first.BeginTransaction();
        begin.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.ProducerFenced, "a fenced producer is unusable");
        Action produce = () => _ = first.ProduceAsync(topic, Msg("k", "more"));
        produce.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.ProducerFenced);
        _cluster.Broker.Transactions[id].Ended.Should().ContainSingle().Which.Commit.Should().BeFalse("the newer instance aborted the open transaction");

        second.BeginTransaction();
        await second.ProduceAsync(topic, Msg("k", "new")).WaitAsync(Guard);
        await second.CommitTransactionAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task Commit_ARecordFailed_RefusedNamingItUntilAbortedAndNoEpochBumpOfItsOwn()
    {
        var topic = await _cluster.CreateTopicAsync();
        var id = NewId();
        await using var producer = Create(Transactional(id));
        await producer.InitTransactionsAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        _cluster.Broker.InjectFaults($"{topic}/0", ProduceFault.Reject);

        var failed = () => producer.ProduceAsync(topic, Msg("k", "refused"));
        (await failed.Should().ThrowAsync<ProduceException<string, string>>()).Which.Code.Should().Be(RunnelErrorCode.InvalidArgument);
        var later = () => producer.ProduceAsync(topic, Msg("k", "after"));
        (await later.Should().ThrowAsync<ProduceException<string, string>>()).Which.Code.Should().Be(RunnelErrorCode.TransactionAborted, "nothing more of a failed transaction is sent");
        var commit = () => producer.CommitTransactionAsync();
        var refused = (await commit.Should().ThrowAsync<RunnelException>()).Which;
        refused.Code.Should().Be(RunnelErrorCode.InvalidTransactionState);
        refused.Message.Should().Contain("InvalidArgument").And.Contain("AbortTransactionAsync");

        await producer.AbortTransactionAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "ok")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        // Only the coordinator bumped the epoch (at the abort): the client did not restart the sequence on its own.
        var attempts = _cluster.Broker.Log($"{topic}/0").Attempts;
        attempts.Select(a => (a.Epoch, a.BaseSequence)).Should().Equal((0, 0), (1, 0));
        _cluster.Broker.Transactions[id].Ended.Select(e => e.Commit).Should().Equal(false, true);
    }

    [Fact]
    public async Task Produce_PartitionForgotTheProducer_TransactionAbortableWithoutAnEpochBumpOfTheClientsOwn()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create(Transactional(NewId()));
        await producer.InitTransactionsAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "a")).WaitAsync(Guard);
        _cluster.Broker.InjectFaults($"{topic}/0", ProduceFault.ForgetProducers);

        // An idempotent producer would number the batch again from 0 under an epoch it bumped itself (KIP-360); inside a
        // transaction that would split it across epochs, so the record fails and only an abort ends the transaction.
        var lost = () => producer.ProduceAsync(topic, Msg("k", "b"));
        (await lost.Should().ThrowAsync<ProduceException<string, string>>()).Which.Code.Should().BeOneOf(RunnelErrorCode.UnknownProducerId, RunnelErrorCode.OutOfOrderSequence);
        _cluster.Broker.Log($"{topic}/0").Attempts.Should().OnlyContain(a => a.Epoch == 0);
        var commit = () => producer.CommitTransactionAsync();
        (await commit.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidTransactionState);

        await producer.AbortTransactionAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "c")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        var last = _cluster.Broker.Log($"{topic}/0").Attempts[^1];
        (last.Epoch, last.BaseSequence).Should().Be(((short)1, 0), "the coordinator's bumped epoch, from sequence 0");
    }

    [Fact]
    public async Task Produce_TopicDeletedMidway_UnknownTopicOnTheRecordAndCommitRefused()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using var producer = Create(Transactional(NewId()));
        await producer.InitTransactionsAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "v")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        await _cluster.Connection.Admin.DeleteTopicAsync(topic).WaitAsync(Guard);

        producer.BeginTransaction();
        var produce = () => producer.ProduceAsync(topic, Msg("k", "gone"));
        (await produce.Should().ThrowAsync<ProduceException<string, string>>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic);
        var commit = () => producer.CommitTransactionAsync();
        (await commit.Should().ThrowAsync<RunnelException>()).Which.Message.Should().Contain("UnknownTopic");
        await producer.AbortTransactionAsync().WaitAsync(Guard);
    }

    [Fact]
    public async Task ProduceChangeAsync_KeysInTwoPartitions_InsideATransactionBothWritten()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        var inZero = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 0);
        var inOne = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 1);
        await using var producer = Create(Transactional(NewId()));
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        var moved = producer.ProduceChangeAsync(topic, inZero, "old", inOne, "new");
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        (await moved).Select(r => (r.Partition, r.Message.Value)).Should().Equal((0, "old"), (1, "new"));
        LogReader.Records(_cluster.Broker.Log($"{topic}/0")).Select(r => r.Value).Should().Equal("old");
        LogReader.Records(_cluster.Broker.Log($"{topic}/1")).Select(r => r.Value).Should().Equal("new");
        _cluster.Broker.Transactions.Values.Single().Ended.Single().Partitions.Should().HaveCount(2);
    }
}
