using System.Text;

namespace Runnel.Client.Tests.Tables;

/// <summary>
/// Changelog records (issue #19 part 2) against the real grains on the file store: <c>ProduceChangeAsync</c> marks each
/// record with its row kind, writes an update's before- and after-image into one stored batch however the producer's
/// batches close around it, and refuses an update whose keys fall in two partitions.
/// </summary>
public sealed class ChangelogProducerTests() : FileStoreRunnelTests("runnel-changelog")
{
    [Fact]
    public async Task ProduceChangeAsync_ManyUpdatesThroughSmallBatches_EveryPairInOneStoredBatch()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 2);
        const int Keys = 40;
        const int Rounds = 25;

        // Batches of ~300 bytes close every few records, and single records produced between the updates shift where
        // they close: a producer that let a batch close between an update's two records would split some pair here.
        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { BatchSize = 300, Linger = TimeSpan.FromMilliseconds(2) }))
        {
            var updates = new List<Task<IReadOnlyList<DeliveryResult<string, string>>>>();
            var singles = new List<Task<DeliveryResult<string, string>>>();
            for (var round = 0; round < Rounds; round++)
            {
                for (var k = 0; k < Keys; k++)
                {
                    updates.Add(producer.ProduceChangeAsync(topic, $"key-{k}", $"v{round}-".PadRight(20 + (k * 3), 'b'), $"v{round + 1}-".PadRight(20 + (k * 5 % 37), 'a')));
                    if ((k + round) % 3 == 0)
                    {
                        singles.Add(producer.ProduceAsync(topic, new Message<string, string> { Key = $"plain-{k}", Value = new string('p', k) }));
                    }
                }
            }

            var results = await Task.WhenAll(updates).WaitAsync(InProcessRunnel.Guard);
            await Task.WhenAll(singles).WaitAsync(InProcessRunnel.Guard);
            foreach (var pair in results)
            {
                pair.Should().HaveCount(2);
                pair[1].Partition.Should().Be(pair[0].Partition);
                pair[1].Offset.Should().Be(pair[0].Offset + 1, "the after-image follows its before-image in the same batch");
            }
        }

        var stored = await Runnel.ReadStoredBatchesAsync(topic);
        var pairs = 0;
        foreach (var (partition, batches) in stored)
        {
            batches.Count.Should().BeGreaterThan(20, $"partition {partition} got many small batches (the test needs batch boundaries)");
            foreach (var batch in batches)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    if (batch[i].Kind == RowKind.UpdateBefore)
                    {
                        i.Should().BeLessThan(batch.Count - 1, $"the before-image at {partition}@{batch[i].Offset} ends its batch: its after-image was split off");
                        batch[i + 1].Kind.Should().Be(RowKind.UpdateAfter);
                        batch[i + 1].Key.Should().Be(batch[i].Key);
                        pairs++;
                        i++;
                    }
                    else
                    {
                        batch[i].Kind.Should().NotBe(RowKind.UpdateAfter, $"an after-image at {partition}@{batch[i].Offset} has no before-image before it in its batch");
                    }
                }
            }
        }

        pairs.Should().Be(Keys * Rounds);
    }

    [Fact]
    public async Task ProduceChangeAsync_PairLargerThanBatchSize_GetsABatchOfItsOwn()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 1);
        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { BatchSize = 1024, Linger = TimeSpan.FromMilliseconds(20) }))
        {
            var small = producer.ProduceAsync(topic, new Message<string, string> { Key = "a", Value = "small" });
            var big = producer.ProduceChangeAsync(topic, "big", new string('b', 900), new string('B', 900));
            var after = producer.ProduceAsync(topic, new Message<string, string> { Key = "c", Value = "small" });
            await Task.WhenAll(small, big, after).WaitAsync(InProcessRunnel.Guard);
        }

        var batches = (await Runnel.ReadStoredBatchesAsync(topic))[0];
        var pairBatch = batches.Should().ContainSingle(b => b.Any(r => r.Kind == RowKind.UpdateBefore)).Subject;
        pairBatch.Select(r => r.Kind).Should().Equal(RowKind.UpdateBefore, RowKind.UpdateAfter);
        batches.SelectMany(b => b).Select(r => r.Key).Should().Equal("a", "big", "big", "c");
    }

    [Fact]
    public async Task ProduceChangeAsync_KeyMovesToAnotherPartition_ChangeSpansPartitionsNamingBothAndNothingWritten()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 2);
        var inZero = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 0);
        var inOne = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 1);
        await using var producer = connection.CreateProducer<string, string>();

        var move = () => producer.ProduceChangeAsync(topic, inZero, "old", inOne, "new");

        var error = (await move.Should().ThrowAsync<ProduceException<string, string>>()).Which;
        error.Code.Should().Be(RunnelErrorCode.ChangeSpansPartitions);
        error.Message.Should().Contain("partition 0").And.Contain("partition 1").And.Contain("transactional producer");
        error.IsRetriable.Should().BeFalse();

        // Both keys in one partition: the same call works, in one batch.
        var sameSide = Enumerable.Range(100, 100).Select(i => $"k{i}").First(k => Murmur2.Partition(Encoding.UTF8.GetBytes(k), 2) == 0);
        var moved = await producer.ProduceChangeAsync(topic, inZero, "old", sameSide, "new").WaitAsync(InProcessRunnel.Guard);
        moved.Select(r => (r.Partition, r.Offset)).Should().Equal((0, 0L), (0, 1L));
        var marks = await connection.Admin.GetTopicOffsetsAsync(topic);
        marks.Select(m => m.HighWatermark).Should().Equal(2, 0);
    }

    [Fact]
    public async Task ProduceChangeAsync_InsertUpdateDelete_ConsumerSeesRowKinds()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 1);
        await using (var producer = connection.CreateProducer<string, string>())
        {
            await producer.ProduceChangeAsync(topic, "row", null, "one").WaitAsync(InProcessRunnel.Guard);
            await producer.ProduceChangeAsync(topic, "row", "one", "two").WaitAsync(InProcessRunnel.Guard);
            await producer.ProduceChangeAsync(topic, "row", "two", null).WaitAsync(InProcessRunnel.Guard);
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "plain", Value = "x" }).WaitAsync(InProcessRunnel.Guard);
            var neither = () => producer.ProduceChangeAsync(topic, "row", null, null);
            await neither.Should().ThrowAsync<ArgumentException>().WithMessage("*both are null*");
        }

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        using var cts = new CancellationTokenSource(InProcessRunnel.Guard);
        var read = new List<(RowKind, string?, string?)>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            read.Add((record.RowKind, record.Message.Value, record.Message.Headers is { } h && h.TryGetLastValue(RowKindHeader.Key, out var raw) ? Encoding.ASCII.GetString(raw!) : null));
            if (read.Count == 5)
            {
                break;
            }
        }

        read.Should().Equal(
            (RowKind.Insert, "one", "+I"),
            (RowKind.UpdateBefore, "one", "-U"),
            (RowKind.UpdateAfter, "two", "+U"),
            (RowKind.Delete, null, "-D"),
            (RowKind.None, "x", null));
    }

    [Fact]
    public async Task ProduceChangeAsync_WaitingForBufferRoomThenCancelled_NeitherRecordWritten_FlushStillCompletes()
    {
        var connection = Connection;
        var topic = InProcessRunnel.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 1);
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with
        {
            BufferMemory = 1024, MaxRequestSize = 1024, BatchSize = 1024, Linger = TimeSpan.FromMinutes(1), BufferTimeout = TimeSpan.FromMinutes(1),
        });

        // A lingering record holds most of the buffer: the pair has to wait for room, as one.
        var filler = producer.ProduceAsync(topic, new Message<string, string> { Key = "filler", Value = new string('f', 800) });
        using var cancel = new CancellationTokenSource();
        var pair = producer.ProduceChangeAsync(topic, "row", "before", "after", cancel.Token);
        pair.IsCompleted.Should().BeFalse("the pair waits for room");
        await cancel.CancelAsync();
        await pair.Invoking(p => p.WaitAsync(InProcessRunnel.Guard)).Should().ThrowAsync<OperationCanceledException>();

        // Both records of the cancelled pair were forgotten: a flush does not wait for them.
        await producer.FlushAsync().WaitAsync(InProcessRunnel.Guard);
        (await filler).Offset.Should().Be(0);
        var producing = producer.ProduceChangeAsync(topic, "row", "b2", "a2");
        await producer.FlushAsync().WaitAsync(InProcessRunnel.Guard); // the batch would linger a minute
        var later = await producing.WaitAsync(InProcessRunnel.Guard);
        later.Select(r => r.Offset).Should().Equal(1, 2);
        var stored = (await Runnel.ReadStoredBatchesAsync(topic))[0].SelectMany(b => b).Select(r => r.Value).ToList();
        stored.Should().Equal(new string('f', 800), "b2", "a2");
    }
}
