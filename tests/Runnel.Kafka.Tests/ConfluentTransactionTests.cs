using Runnel.Client;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>Confluent.Kafka's transactional producer (InitTransactions, BeginTransaction, SendOffsetsToTransaction,
/// CommitTransaction / AbortTransaction) against a real silo: what read_committed consumers (Confluent's and Runnel's)
/// see, a consume-transform-produce step's group offsets, and fencing by a second instance.</summary>
public sealed class ConfluentTransactionTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private CK.IProducer<string, string> TransactionalProducer(string transactionalId) => new CK.ProducerBuilder<string, string>(new CK.ProducerConfig
    {
        BootstrapServers = silo.KafkaBootstrap,
        TransactionalId = transactionalId,
        TransactionTimeoutMs = 60_000,
        LingerMs = 5,
        MessageTimeoutMs = 30_000,
        SocketTimeoutMs = 10_000,
    }).Build();

    private CK.ConsumerConfig ConsumerConfig(CK.IsolationLevel isolation, string group = "unused-assign-only") => new()
    {
        BootstrapServers = silo.KafkaBootstrap,
        GroupId = group,
        EnableAutoCommit = false,
        FetchWaitMaxMs = 100,
        SocketTimeoutMs = 10_000,
        IsolationLevel = isolation,
        AutoOffsetReset = CK.AutoOffsetReset.Earliest,
    };

    [Fact]
    public async Task TransactionalProducer_CommitToTwoTopics_ConfluentAndRunnelReadCommittedConsumersSeeEveryRecord()
    {
        var (a, b) = (NewName("txa"), NewName("txb"));
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(a, 2);
        await connection.Admin.CreateTopicAsync(b, 1);

        using (var producer = TransactionalProducer(NewName("tid")))
        {
            producer.InitTransactions(Guard);
            producer.BeginTransaction();
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(a, new CK.Message<string, string> { Key = $"k{i}", Value = $"a{i}" });
                producer.Produce(b, new CK.Message<string, string> { Key = $"k{i}", Value = $"b{i}" });
            }

            producer.CommitTransaction(Guard);
        }

        ConfluentRead(a, 2, CK.IsolationLevel.ReadCommitted, until: 10).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => $"a{i}"));
        ConfluentRead(b, 1, CK.IsolationLevel.ReadCommitted, until: 10).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => $"b{i}"));
        (await RunnelRead(connection, a, 2, IsolationLevel.ReadCommitted, until: 10)).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => $"a{i}"));
        (await RunnelRead(connection, b, 1, IsolationLevel.ReadCommitted, until: 10)).Should().BeEquivalentTo(Enumerable.Range(0, 10).Select(i => $"b{i}"));
    }

    [Fact]
    public async Task AbortedTransaction_InvisibleToReadCommittedConfluentAndRunnel_VisibleToReadUncommitted()
    {
        var topic = NewName("txabort");
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 1);

        using (var producer = TransactionalProducer(NewName("tid")))
        {
            producer.InitTransactions(Guard);
            producer.BeginTransaction();
            for (var i = 0; i < 5; i++)
            {
                producer.Produce(topic, new CK.Message<string, string> { Key = "k", Value = $"aborted{i}" });
            }

            producer.Flush(Guard);
            producer.AbortTransaction(Guard);

            producer.BeginTransaction();
            producer.Produce(topic, new CK.Message<string, string> { Key = "k", Value = "committed" });
            producer.CommitTransaction(Guard);
        }

        // Records: 5 aborted, the abort marker, 1 committed, the commit marker: consumers stop at the committed one.
        ConfluentRead(topic, 1, CK.IsolationLevel.ReadCommitted, until: 1).Should().Equal("committed");
        (await RunnelRead(connection, topic, 1, IsolationLevel.ReadCommitted, until: 1)).Should().Equal("committed");
        ConfluentRead(topic, 1, CK.IsolationLevel.ReadUncommitted, until: 6).Should().Equal("aborted0", "aborted1", "aborted2", "aborted3", "aborted4", "committed");
        (await RunnelRead(connection, topic, 1, IsolationLevel.ReadUncommitted, until: 6)).Should().Equal("aborted0", "aborted1", "aborted2", "aborted3", "aborted4", "committed");
    }

    [Fact]
    public async Task ConsumeTransformProduce_SendOffsetsToTransaction_GroupOffsetsCommittedOnlyWhenTheTransactionCommits()
    {
        var (input, output, group) = (NewName("txin"), NewName("txout"), NewName("txgroup"));
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(input, 1);
        await connection.Admin.CreateTopicAsync(output, 1);
        await using (var runnelProducer = connection.CreateProducer<string, string>())
        {
            for (var i = 0; i < 4; i++)
            {
                await runnelProducer.ProduceAsync(input, new Message<string, string> { Key = "k", Value = $"in{i}" });
            }
        }

        using var consumer = new CK.ConsumerBuilder<string, string>(ConsumerConfig(CK.IsolationLevel.ReadCommitted, group)).Build();
        consumer.Subscribe(input);
        var consumed = new List<CK.ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Guard;
        while (consumed.Count < 4 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } record)
            {
                consumed.Add(record);
            }
        }

        consumed.Select(r => r.Message.Value).Should().Equal("in0", "in1", "in2", "in3");
        var next = new[] { new CK.TopicPartitionOffset(input, 0, consumed[^1].Offset.Value + 1) };
        using var producer = TransactionalProducer(NewName("tid"));
        producer.InitTransactions(Guard);

        producer.BeginTransaction();
        producer.Produce(output, new CK.Message<string, string> { Key = "k", Value = "out-aborted" });
        producer.SendOffsetsToTransaction(next, consumer.ConsumerGroupMetadata, Guard);
        producer.AbortTransaction(Guard);
        consumer.Committed([new CK.TopicPartition(input, 0)], Guard).Single().Offset.Should().Be(CK.Offset.Unset, "an aborted transaction commits no offsets");

        producer.BeginTransaction();
        producer.Produce(output, new CK.Message<string, string> { Key = "k", Value = "out" });
        producer.SendOffsetsToTransaction(next, consumer.ConsumerGroupMetadata, Guard);
        producer.CommitTransaction(Guard);
        consumer.Committed([new CK.TopicPartition(input, 0)], Guard).Single().Offset.Value.Should().Be(4);
        consumer.Close();

        ConfluentRead(output, 1, CK.IsolationLevel.ReadCommitted, until: 1).Should().Equal("out");
    }

    [Fact]
    public async Task SecondProducerWithTheSameTransactionalId_FencesTheFirst_ItsCommitFailsAndItsRecordsStayInvisible()
    {
        var topic = NewName("txfence");
        var transactionalId = NewName("tid");
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 1);

        using var first = TransactionalProducer(transactionalId);
        first.InitTransactions(Guard);
        first.BeginTransaction();
        first.Produce(topic, new CK.Message<string, string> { Key = "k", Value = "zombie" });
        first.Flush(Guard);

        using var second = TransactionalProducer(transactionalId);
        second.InitTransactions(Guard); // bumps the epoch and aborts the first's open transaction

        var commit = () => first.CommitTransaction(Guard);
        commit.Should().Throw<CK.KafkaException>()
            .Which.Error.Code.Should().BeOneOf(CK.ErrorCode.Local_Fenced, CK.ErrorCode.ProducerFenced, CK.ErrorCode.InvalidProducerEpoch);

        second.BeginTransaction();
        second.Produce(topic, new CK.Message<string, string> { Key = "k", Value = "winner" });
        second.CommitTransaction(Guard);

        ConfluentRead(topic, 1, CK.IsolationLevel.ReadCommitted, until: 1).Should().Equal("winner");
    }

    [Fact]
    public async Task RunnelsTransactionalProducer_ConfluentReadCommittedSeesOnlyTheCommittedTransaction()
    {
        var topic = NewName("txrunnel");
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 2);

        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { TransactionalId = NewName("rtid") }))
        {
            await producer.InitTransactionsAsync();
            producer.BeginTransaction();
            for (var i = 0; i < 4; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<string, string> { Key = $"k{i}", Value = $"aborted{i}" });
            }

            await producer.AbortTransactionAsync();
            producer.BeginTransaction();
            for (var i = 0; i < 4; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, i % 2), new Message<string, string> { Key = $"k{i}", Value = $"committed{i}" });
            }

            await producer.CommitTransactionAsync();
        }

        // Partition 0 holds records 0 and 2 of each transaction, partition 1 records 1 and 3.
        ConfluentRead(topic, 2, CK.IsolationLevel.ReadCommitted, until: 4).Should().Equal("committed0", "committed2", "committed1", "committed3");
        ConfluentRead(topic, 2, CK.IsolationLevel.ReadUncommitted, until: 8).Should().Equal(
            "aborted0", "aborted2", "committed0", "committed2", "aborted1", "aborted3", "committed1", "committed3");
    }

    /// <summary>Values read from the beginning of every partition until <paramref name="until"/> records are seen (then a
    /// short extra read to catch any that should not be there), in partition-then-offset order.</summary>
    private List<string> ConfluentRead(string topic, int partitions, CK.IsolationLevel isolation, int until)
    {
        using var consumer = new CK.ConsumerBuilder<string, string>(ConsumerConfig(isolation)).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new CK.TopicPartitionOffset(topic, p, CK.Offset.Beginning)));
        var seen = new List<CK.ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + Guard;
        while (seen.Count < until && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                seen.Add(result);
            }
        }

        while (consumer.Consume(TimeSpan.FromMilliseconds(300)) is { } extra)
        {
            if (!extra.IsPartitionEOF)
            {
                seen.Add(extra);
            }
        }

        return [.. seen.OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).Select(r => r.Message.Value)];
    }

    private static async Task<List<string>> RunnelRead(RunnelConnection connection, string topic, int partitions, IsolationLevel isolation, int until)
    {
        await using var consumer = connection.CreateConsumer<string, string>(ConsumerOptions.Default with { IsolationLevel = isolation });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Runnel.Client.Offset.Beginning)));
        var seen = new List<ConsumeResult<string, string>>();
        using (var cts = new CancellationTokenSource(Guard))
        {
            await foreach (var record in consumer.ConsumeAsync(cts.Token))
            {
                seen.Add(record);
                if (seen.Count == until)
                {
                    break;
                }
            }
        }

        // Anything more within a short extra read would be a record that should not be visible.
        using (var extra = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            try
            {
                await foreach (var record in consumer.ConsumeAsync(extra.Token))
                {
                    seen.Add(record);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        return [.. seen.OrderBy(r => r.Partition).ThenBy(r => r.Offset).Select(r => r.Message.Value!)];
    }
}
