using System.Collections.Concurrent;
using System.Text;

namespace Runnel.Client.Tests.Tables;

/// <summary>
/// A table applies a transaction that spans partitions in one swap (issue #19), against the real grains and transaction
/// coordinator on the file store: a reader never sees one partition's part of a committed transaction without the
/// others', and never anything of an aborted one.
/// </summary>
public sealed class TableTransactionTests() : FileStoreRunnelTests("runnel-table-txn")
{
    private const int Partitions = 3;
    private const int Pairs = 8;
    private const int Rounds = 40;

    [Fact]
    public async Task Table_CrossPartitionTransactionsCommitWhileReadersRead_NeverSeesOnePartitionsPartWithoutTheOthers()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, Partitions);
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { TransactionalId = "txn-" + topic, Linger = TimeSpan.FromMilliseconds(1) });
        await producer.InitTransactionsAsync().WaitAsync(InProcessRunnel.Guard);
        await CommitRoundAsync(producer, topic, "v0");

        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);
        Torn(table.Snapshot).Should().BeNull("the first transaction was committed before the table started");
        table.Count.Should().Be(Pairs * Partitions);

        // Every swap, as the change feed sees it, and every snapshot a reader thread takes, must hold each key triple
        // (one key per partition, written together by every transaction) at one value.
        var faults = new ConcurrentQueue<string>();
        var swaps = 0;
        var last = $"v{Rounds}";
        var final = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.Changed += (_, e) =>
        {
            swaps++;
            if (Torn(e.Snapshot) is { } torn)
            {
                faults.Enqueue($"a swap of {e.Changes.Count} changes of {e.Partition}: {torn}");
            }

            if (e.Snapshot.Values.Any(v => v.StartsWith('x')))
            {
                faults.Enqueue($"a swap of {e.Partition} applied an aborted transaction's record");
            }

            if (e.Snapshot.Values.All(v => v == last))
            {
                final.TrySetResult();
            }
        };

        using var writing = new CancellationTokenSource();
        long reads = 0;
        var reader = Task.Factory.StartNew(() =>
        {
            while (!writing.IsCancellationRequested)
            {
                var snapshot = reads % 2 == 0 ? table.Snapshot : table.ToDictionary(); // a snapshot, and an enumeration
                if (Torn(snapshot) is { } torn)
                {
                    faults.Enqueue($"a reader saw {torn}");
                }

                reads++;
            }
        }, TaskCreationOptions.LongRunning);

        for (var round = 1; round <= Rounds; round++)
        {
            if (round % 5 == 0)
            {
                await AbortRoundAsync(producer, topic, $"x{round}");
            }

            await CommitRoundAsync(producer, topic, $"v{round}");
        }

        await final.Task.WaitAsync(InProcessRunnel.Guard);
        await writing.CancelAsync();
        await reader.WaitAsync(InProcessRunnel.Guard);

        faults.Should().BeEmpty();
        swaps.Should().BeGreaterThan(0);
        reads.Should().BeGreaterThan(0);
        table.Snapshot.Values.Should().AllBe(last);
        table.Count.Should().Be(Pairs * Partitions);
    }

    [Fact]
    public async Task Table_RestoredAfterCrossPartitionTransactions_HoldsTheLastCommittedAndNoAbortedValue()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, Partitions);
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { TransactionalId = "txn-" + topic });
        await producer.InitTransactionsAsync().WaitAsync(InProcessRunnel.Guard);
        await CommitRoundAsync(producer, topic, "v1");
        await AbortRoundAsync(producer, topic, "x2");

        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);

        table.Count.Should().Be(Pairs * Partitions);
        table.Snapshot.Values.Should().AllBe("v1");
    }

    [Fact]
    public async Task Table_ChangeMovesItsKeyToAnotherPartitionInATransaction_ReaderSeesTheRowUnderExactlyOneKey()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 2);
        var inZero = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 0);
        var inOne = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 1);
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { TransactionalId = "move-" + topic });
        await producer.InitTransactionsAsync().WaitAsync(InProcessRunnel.Guard);
        producer.BeginTransaction();
        await producer.ProduceChangeAsync(topic, inZero, null, "m0").WaitAsync(InProcessRunnel.Guard);
        await producer.CommitTransactionAsync().WaitAsync(InProcessRunnel.Guard);
        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);

        // The row moves between a key of partition 0 and one of partition 1: the before-image (-U, retracting the old key)
        // and the after-image (+U, setting the new one) land in different partitions, atomic only through the transaction.
        const int Moves = 30;
        var faults = new ConcurrentQueue<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.Changed += (_, e) =>
        {
            var under = e.Snapshot.Keys.ToList();
            if (under.Count != 1)
            {
                faults.Enqueue($"a swap of {e.Partition} left the row under {under.Count} keys");
            }

            if (e.Snapshot.Values.Contains($"m{Moves}"))
            {
                done.TrySetResult();
            }
        };
        for (var move = 1; move <= Moves; move++)
        {
            var (from, to) = move % 2 == 1 ? (inZero, inOne) : (inOne, inZero);
            producer.BeginTransaction();
            await producer.ProduceChangeAsync(topic, from, $"m{move - 1}", to, $"m{move}").WaitAsync(InProcessRunnel.Guard);
            await producer.CommitTransactionAsync().WaitAsync(InProcessRunnel.Guard);
        }

        await done.Task.WaitAsync(InProcessRunnel.Guard);

        faults.Should().BeEmpty();
        table.Snapshot.Should().Equal(new Dictionary<string, string> { [inZero] = $"m{Moves}" });
    }

    [Fact]
    public async Task Table_TransactionWhosePartInAnotherPartitionWasDeletedBeforeTheTableStarted_AppliesWhatIsLeft()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, Partitions);
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { TransactionalId = "trim-" + topic });
        await producer.InitTransactionsAsync().WaitAsync(InProcessRunnel.Guard);
        await CommitRoundAsync(producer, topic, "v1");
        var last = Partitions - 1;
        var end = (await connection.Admin.GetPartitionOffsetsAsync(new TopicPartition(topic, last))).HighWatermark;
        await connection.Admin.DeleteRecordsAsync(new TopicPartition(topic, last), end); // the transaction's part and marker there

        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);

        table.Count.Should().Be(Pairs * last, "the other partitions' parts apply; waiting for the deleted one would hold them forever");
        table.Snapshot.Values.Should().AllBe("v1");
    }

    /// <summary>Writes <paramref name="value"/> to every key of every partition in one transaction and commits it.</summary>
    private static async Task CommitRoundAsync(IProducer<string, string> producer, string topic, string value)
    {
        producer.BeginTransaction();
        await WriteRoundAsync(producer, topic, value);
        await producer.CommitTransactionAsync().WaitAsync(InProcessRunnel.Guard);
    }

    private static async Task AbortRoundAsync(IProducer<string, string> producer, string topic, string value)
    {
        producer.BeginTransaction();
        await WriteRoundAsync(producer, topic, value);
        await producer.AbortTransactionAsync().WaitAsync(InProcessRunnel.Guard);
    }

    private static Task WriteRoundAsync(IProducer<string, string> producer, string topic, string value) =>
        Task.WhenAll(Enumerable.Range(0, Partitions).SelectMany(p => Enumerable.Range(0, Pairs).Select(i =>
            producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Key = $"k{i}-p{p}", Value = value })))).WaitAsync(InProcessRunnel.Guard);

    /// <summary>A description of the first key triple whose values differ across partitions, or null when none does.</summary>
    private static string? Torn(IReadOnlyDictionary<string, string> snapshot)
    {
        for (var i = 0; i < Pairs; i++)
        {
            var values = Enumerable.Range(0, Partitions).Select(p => snapshot.TryGetValue($"k{i}-p{p}", out var v) ? v : "(none)").ToList();
            if (values.Distinct().Count() > 1)
            {
                return $"k{i} is {string.Join(" / ", values)} across partitions";
            }
        }

        return null;
    }
}
