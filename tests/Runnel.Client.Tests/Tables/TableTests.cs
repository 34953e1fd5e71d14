using System.Collections.Concurrent;

namespace Runnel.Client.Tests.Tables;

/// <summary>
/// Tables (issue #19 part 3) against the real grains on the file store: a reader never sees an update's before-image
/// applied without its after-image, whatever it reads while updates arrive; tombstones and deletes remove rows.
/// </summary>
public sealed class TableTests() : FileStoreRunnelTests("runnel-table")
{
    [Fact]
    public async Task Table_ReadWhileUpdatesArrive_NeverSeesABeforeImageWithoutItsAfterImage()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 2);
        const int Keys = 40;
        const int Rounds = 100;
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Linger = TimeSpan.FromMilliseconds(1), BatchSize = 512 });
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(k => producer.ProduceChangeAsync(topic, $"key-{k}", null, "v0"))).WaitAsync(InProcessRunnel.Guard);

        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);
        table.Count.Should().Be(Keys);

        // Every swap the table publishes, seen from its change feed: an update's before-image retracts the row and its
        // after-image sets it again, so a swap that held one without the other would leave a key out.
        var swapFaults = new ConcurrentQueue<string>();
        var swaps = 0;
        var final = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.Changed += (_, e) =>
        {
            swaps++;
            if (e.Snapshot.Count != Keys)
            {
                swapFaults.Enqueue($"a swap of {e.Changes.Count} changes of {e.Partition} left {e.Snapshot.Count} rows");
            }

            if (e.Snapshot.Values.All(v => v == $"v{Rounds}"))
            {
                final.TrySetResult();
            }
        };

        // A reader on its own thread, reading as fast as it can while the updates are applied.
        using var writing = new CancellationTokenSource();
        var readerFaults = new ConcurrentQueue<string>();
        long reads = 0;
        var reader = Task.Factory.StartNew(() =>
        {
            while (!writing.IsCancellationRequested)
            {
                var count = table.Count;
                if (count != Keys)
                {
                    readerFaults.Enqueue($"Count was {count}");
                }

                if (!table.TryGetValue($"key-{reads % Keys}", out _))
                {
                    readerFaults.Enqueue($"key-{reads % Keys} was missing");
                }

                if (reads % 256 == 0 && table.Count(_ => true) != Keys)
                {
                    readerFaults.Enqueue("an enumeration missed rows");
                }

                reads++;
            }
        }, TaskCreationOptions.LongRunning);

        var deadline = Task.Delay(TimeSpan.FromSeconds(40));
        for (var round = 1; round <= Rounds; round++)
        {
            var current = round;
            var updates = Task.WhenAll(Enumerable.Range(0, Keys).Select(k => producer.ProduceChangeAsync(topic, $"key-{k}", $"v{current - 1}", $"v{current}")));
            (await Task.WhenAny(updates, deadline)).Should().BeSameAs(updates, "the writer is bounded in time");
            await updates;
        }

        await final.Task.WaitAsync(InProcessRunnel.Guard);
        await writing.CancelAsync();
        await reader;

        readerFaults.Should().BeEmpty();
        swapFaults.Should().BeEmpty();
        reads.Should().BeGreaterThan(1000, "the reader ran while the updates were applied");
        swaps.Should().BeGreaterThan(10);
        table.Snapshot.Should().HaveCount(Keys).And.OnlyContain(kv => kv.Value == $"v{Rounds}");
    }

    [Fact]
    public async Task Table_TombstonesAndDeletes_RemoveRows_ChangeFeedTellsEach()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 1);
        await using var producer = connection.CreateProducer<string, string>();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "plain", Value = "1" }).WaitAsync(InProcessRunnel.Guard);
        await producer.ProduceChangeAsync(topic, "row", null, "a").WaitAsync(InProcessRunnel.Guard);
        await producer.ProduceAsync(topic, new Message<string, string> { Key = null, Value = "keyless" }).WaitAsync(InProcessRunnel.Guard);

        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);
        table.Snapshot.Should().BeEquivalentTo(new Dictionary<string, string> { ["plain"] = "1", ["row"] = "a" }, "a keyless record has no row");

        var changes = new ConcurrentQueue<TableChange<string, string>>();
        var emptied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.Changed += (_, e) =>
        {
            foreach (var change in e.Changes)
            {
                changes.Enqueue(change);
            }

            if (e.Snapshot.Count == 0)
            {
                emptied.TrySetResult();
            }
        };

        var before = table.Snapshot;
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "plain", Value = null }).WaitAsync(InProcessRunnel.Guard);
        await producer.ProduceChangeAsync(topic, "row", "a", null).WaitAsync(InProcessRunnel.Guard);
        await emptied.Task.WaitAsync(InProcessRunnel.Guard);

        table.Count.Should().Be(0);
        table.TryGetValue("row", out _).Should().BeFalse();
        before.Should().HaveCount(2, "a snapshot taken earlier is not changed by later swaps");
        changes.Select(c => (c.Key, c.IsRemoval, c.Kind)).Should().Equal(("plain", true, RowKind.None), ("row", true, RowKind.Delete));
    }

    [Fact]
    public async Task Table_ValueThatCannotBeDeserialized_StopsWithDeserializationFailedNamingTheRecord_KeepsItsLastSnapshot()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 1);
        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Linger = TimeSpan.FromMinutes(1) }))
        {
            // One stored batch: a good record, then a bad one.
            var good = producer.ProduceAsync(topic, new Message<string, string> { Key = "a", Value = "1" });
            var bad = producer.ProduceAsync(topic, new Message<string, string> { Key = "b", Value = "not a number" });
            await producer.FlushAsync().WaitAsync(InProcessRunnel.Guard);
            (await bad).Offset.Should().Be((await good).Offset + 1);
        }

        var numbers = Deserializers.Create(data => int.Parse(data, System.Globalization.CultureInfo.InvariantCulture));
        await using var table = connection.CreateTable(topic, Deserializers.Utf8, numbers);
        var wait = () => table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);

        var error = (await wait.Should().ThrowAsync<RunnelException>()).Which;
        error.Code.Should().Be(RunnelErrorCode.DeserializationFailed);
        error.Message.Should().Contain($"{topic}[0]@1").And.Contain("value");
        table.Error.Should().BeSameAs(error);
        table.IsCaughtUp.Should().BeFalse();
        table.Count.Should().Be(0, "the failed fetched batch was not applied at all");
    }

    [Fact]
    public async Task Table_PartitionsAddedToItsTopic_FollowedFromTheirStartWithoutRestart()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 2);
        await using var producer = connection.CreateProducer<string, string>();
        await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = "old", Value = "a" }).WaitAsync(InProcessRunnel.Guard);
        await using var table = connection.CreateTable<string, string>(topic);
        await table.WaitForCatchUpAsync().WaitAsync(InProcessRunnel.Guard);
        var added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.Changed += (_, e) =>
        {
            if (e.Snapshot.ContainsKey("p2") && e.Snapshot.ContainsKey("p3"))
            {
                added.TrySetResult();
            }
        };

        await connection.Admin.AddPartitionsAsync(topic, 4).WaitAsync(InProcessRunnel.Guard);
        await using var later = connection.CreateProducer<string, string>(); // knows the four partitions
        await later.ProduceAsync(new TopicPartition(topic, 2), new Message<string, string> { Key = "p2", Value = "b" }).WaitAsync(InProcessRunnel.Guard);
        await later.ProduceAsync(new TopicPartition(topic, 3), new Message<string, string> { Key = "p3", Value = "c" }).WaitAsync(InProcessRunnel.Guard);

        await added.Task.WaitAsync(InProcessRunnel.Guard);
        table.Snapshot.Should().Equal(new Dictionary<string, string> { ["old"] = "a", ["p2"] = "b", ["p3"] = "c" });
        table.Error.Should().BeNull();
    }
}
