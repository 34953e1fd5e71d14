using System.Text;
using Runnel.Client.Tests.Tables;

namespace Runnel.Client.Tests;

/// <summary>
/// Transactions end to end against the real grains (coordinator, partitions with markers and the last stable offset,
/// group with transactional offsets) in an in-process silo on the file store: what a read_committed consumer sees after
/// a commit, an abort and a fencing, offsets committed with the transaction, and a changelog update across partitions.
/// </summary>
public sealed class TransactionsEndToEndTests() : FileStoreRunnelTests("runnel-transactions")
{
    private static readonly TimeSpan Guard = InProcessRunnel.Guard;
    private static string NewId() => "tx-" + Guid.NewGuid().ToString("N")[..8];

    private static Message<string, string> Msg(string? key, string value) => new() { Key = key, Value = value };

    private IProducer<string, string> Transactional(string id) => Connection.CreateProducer<string, string>(ProducerOptions.Default with { TransactionalId = id });

    /// <summary>Reads the topic's partitions from the start until <paramref name="count"/> records arrived (bounded by
    /// the guard); their values in arrival order.</summary>
    private async Task<List<string>> ReadAsync(string topic, int partitions, IsolationLevel isolation, int count)
    {
        await using var consumer = Connection.CreateConsumer<string, string>(ConsumerOptions.Default with { AutoOffsetReset = AutoOffsetReset.Earliest, IsolationLevel = isolation });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        using var cts = new CancellationTokenSource(Guard);
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            values.Add(record.Message.Value!);
            if (values.Count == count)
            {
                break;
            }
        }

        return values;
    }

    [Fact]
    public async Task Commit_RecordsVisibleToReadCommittedOnlyAfterIt()
    {
        var topic = InProcessRunnel.NewTopic();
        await Connection.Admin.CreateTopicAsync(topic, 1);
        await using var producer = Transactional(NewId());
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => producer.ProduceAsync(topic, Msg("k", $"v{i}")))).WaitAsync(Guard);
        var open = (await Connection.Admin.GetTopicOffsetsAsync(topic))[0];
        open.HighWatermark.Should().Be(3);
        open.LastStableOffset.Should().Be(0, "read_committed readers stop before the open transaction");
        (await ReadAsync(topic, 1, IsolationLevel.ReadUncommitted, 3)).Should().Equal("v0", "v1", "v2");

        await producer.CommitTransactionAsync().WaitAsync(Guard);

        var committed = (await Connection.Admin.GetTopicOffsetsAsync(topic))[0];
        committed.LastStableOffset.Should().Be(committed.HighWatermark, "nothing is open any more").And.BeGreaterThan(3, "the commit marker follows the records");
        (await ReadAsync(topic, 1, IsolationLevel.ReadCommitted, 3)).Should().Equal("v0", "v1", "v2");
    }

    [Fact]
    public async Task Abort_RecordsNeverVisibleToReadCommitted()
    {
        var topic = InProcessRunnel.NewTopic();
        await Connection.Admin.CreateTopicAsync(topic, 1);
        await using var producer = Transactional(NewId());
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        await Task.WhenAll(producer.ProduceAsync(topic, Msg("k", "aborted-1")), producer.ProduceAsync(topic, Msg("k", "aborted-2"))).WaitAsync(Guard);
        await producer.AbortTransactionAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "committed")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        // The committed record comes after the aborted ones: reading up to it proves they were skipped, with no wait.
        (await ReadAsync(topic, 1, IsolationLevel.ReadCommitted, 1)).Should().Equal("committed");
        (await ReadAsync(topic, 1, IsolationLevel.ReadUncommitted, 3)).Should().Equal("aborted-1", "aborted-2", "committed");
    }

    [Fact]
    public async Task SendOffsetsToTransaction_GroupOffsetsCommittedOnlyWithTheCommit()
    {
        var input = InProcessRunnel.NewTopic();
        var output = InProcessRunnel.NewTopic();
        await Connection.Admin.CreateTopicAsync(input, 1);
        await Connection.Admin.CreateTopicAsync(output, 1);
        await using (var plain = Connection.CreateProducer<string, string>())
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(i => plain.ProduceAsync(input, Msg("k", $"in{i}")))).WaitAsync(Guard);
        }

        var group = "g-" + Guid.NewGuid().ToString("N")[..8];
        await using var consumer = Connection.CreateConsumer<string, string>(ConsumerOptions.Default with { GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest });
        var partition = new TopicPartition(input, 0);
        consumer.Assign([new TopicPartitionOffset(partition, Offset.Beginning)]);
        await using var producer = Transactional(NewId());
        await producer.InitTransactionsAsync().WaitAsync(Guard);
        var processed = new TopicPartitionOffset(partition, 3);

        producer.BeginTransaction();
        await producer.ProduceAsync(output, Msg("k", "out-aborted")).WaitAsync(Guard);
        await producer.SendOffsetsToTransactionAsync([processed], consumer.GroupMetadata).WaitAsync(Guard);
        await producer.AbortTransactionAsync().WaitAsync(Guard);
        (await consumer.CommittedAsync([partition]).WaitAsync(Guard)).Should().NotContain(o => o.Offset == 3, "the aborted transaction's offsets are dropped");

        producer.BeginTransaction();
        await producer.ProduceAsync(output, Msg("k", "out")).WaitAsync(Guard);
        await producer.SendOffsetsToTransactionAsync([processed], consumer.GroupMetadata).WaitAsync(Guard);
        (await consumer.CommittedAsync([partition]).WaitAsync(Guard)).Should().NotContain(o => o.Offset == 3, "pending until the commit");
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        (await consumer.CommittedAsync([partition]).WaitAsync(Guard)).Should().ContainSingle().Which.Offset.Value.Should().Be(3);
        (await ReadAsync(output, 1, IsolationLevel.ReadCommitted, 1)).Should().Equal("out");
    }

    [Fact]
    public async Task InitTransactions_SecondInstance_FirstFencedAndItsRecordsNeverVisible()
    {
        var topic = InProcessRunnel.NewTopic();
        await Connection.Admin.CreateTopicAsync(topic, 1);
        var id = NewId();
        await using var first = Transactional(id);
        await first.InitTransactionsAsync().WaitAsync(Guard);
        first.BeginTransaction();
        await first.ProduceAsync(topic, Msg("k", "zombie")).WaitAsync(Guard);

        await using var second = Transactional(id);
        await second.InitTransactionsAsync().WaitAsync(Guard);
        var commit = () => first.CommitTransactionAsync();
        (await commit.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.ProducerFenced);
        Action again = () => first.BeginTransaction();
        again.Should().Throw<RunnelException>().Where(e => e.Code == RunnelErrorCode.ProducerFenced);

        second.BeginTransaction();
        await second.ProduceAsync(topic, Msg("k", "successor")).WaitAsync(Guard);
        await second.CommitTransactionAsync().WaitAsync(Guard);

        (await ReadAsync(topic, 1, IsolationLevel.ReadCommitted, 1)).Should().Equal("successor");
        var description = await Connection.Admin.DescribeTransactionAsync(id).WaitAsync(Guard);
        description.State.Should().Be(TransactionState.CompleteCommit);
        (await Connection.Admin.ListTransactionsAsync().WaitAsync(Guard)).Select(d => d.TransactionalId).Should().Contain(id);
    }

    [Fact]
    public async Task Produce_TopicDeleted_UnknownTopicOnTheRecordCommitRefusedAbortWorks()
    {
        var topic = InProcessRunnel.NewTopic();
        var other = InProcessRunnel.NewTopic();
        await Connection.Admin.CreateTopicAsync(topic, 1);
        await Connection.Admin.CreateTopicAsync(other, 1);
        await using var producer = Transactional(NewId());
        await producer.InitTransactionsAsync().WaitAsync(Guard);
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, Msg("k", "first")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        await Connection.Admin.DeleteTopicAsync(topic).WaitAsync(Guard);

        producer.BeginTransaction();
        await producer.ProduceAsync(other, Msg("k", "beside")).WaitAsync(Guard);
        var gone = () => producer.ProduceAsync(topic, Msg("k", "gone"));
        (await gone.Should().ThrowAsync<ProduceException<string, string>>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic);
        var commit = () => producer.CommitTransactionAsync();
        var refused = (await commit.Should().ThrowAsync<RunnelException>()).Which;
        refused.Code.Should().Be(RunnelErrorCode.InvalidTransactionState);
        refused.Message.Should().Contain("UnknownTopic");
        await producer.AbortTransactionAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        await producer.ProduceAsync(other, Msg("k", "after")).WaitAsync(Guard);
        await producer.CommitTransactionAsync().WaitAsync(Guard);
        (await ReadAsync(other, 1, IsolationLevel.ReadCommitted, 1)).Should().Equal(["after"], "the record beside the failed one was aborted with it");
    }

    [Fact]
    public async Task ProduceChangeAsync_KeysInTwoPartitions_AtomicWithTheTransaction()
    {
        var topic = InProcessRunnel.NewTopic();
        await Connection.Admin.CreateTopicAsync(topic, 2);
        var inZero = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 0);
        var inOne = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 1);
        await using var producer = Transactional(NewId());
        await producer.InitTransactionsAsync().WaitAsync(Guard);

        producer.BeginTransaction();
        var moved = await producer.ProduceChangeAsync(topic, inZero, "old", inOne, "new").WaitAsync(Guard);
        var open = await Connection.Admin.GetTopicOffsetsAsync(topic);
        open.Select(o => o.LastStableOffset).Should().Equal([0L, 0L], "neither record is visible before the commit");
        await producer.CommitTransactionAsync().WaitAsync(Guard);

        moved.Select(r => r.Partition).Should().Equal(0, 1);
        (await ReadAsync(topic, 2, IsolationLevel.ReadCommitted, 2)).Should().BeEquivalentTo(["old", "new"]);
    }
}
