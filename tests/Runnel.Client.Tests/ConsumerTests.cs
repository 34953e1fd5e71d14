using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

public sealed class ConsumerTests(FakeClusterFixture fixture) : IClassFixture<FakeClusterFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private static readonly ConsumerOptions Fast = ConsumerOptions.Default with { FetchMaxWait = TimeSpan.FromMilliseconds(50) };
    private readonly FakeCluster _cluster = fixture.ForTest();

    /// <summary>Produces values v0..v{n-1} to one partition as one batch (linger held off, then flushed).</summary>
    private async Task ProduceBatchAsync(string topic, int partition, int count, int start = 0, DateTimeOffset? timestamp = null)
    {
        await using var producer = _cluster.Connection.CreateProducer<string, string>(ProducerOptions.Default with { Linger = TimeSpan.FromHours(1) });
        var tasks = Enumerable.Range(start, count)
            .Select(i => producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, string> { Key = $"k{i}", Value = $"v{i}", Timestamp = timestamp?.AddSeconds(i) }))
            .ToList();
        await producer.FlushAsync().WaitAsync(Guard);
        await Task.WhenAll(tasks);
    }

    private static async Task<List<ConsumeResult<string, string>>> TakeAsync(IConsumer<string, string> consumer, int count)
    {
        using var cts = new CancellationTokenSource(Guard);
        var results = new List<ConsumeResult<string, string>>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            results.Add(record);
            if (results.Count == count)
            {
                break;
            }
        }

        return results;
    }

    [Fact]
    public async Task ConsumeAsync_FromBeginning_AllRecordsInOrderPerPartition()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await ProduceBatchAsync(topic, 0, 5);
        await ProduceBatchAsync(topic, 1, 5, start: 5);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning), new TopicPartitionOffset(topic, 1, Offset.Beginning)]);

        var records = await TakeAsync(consumer, 10);
        records.Where(r => r.Partition == 0).Select(r => r.Message.Value).Should().Equal("v0", "v1", "v2", "v3", "v4");
        records.Where(r => r.Partition == 1).Select(r => r.Offset).Should().Equal(0, 1, 2, 3, 4);
        records[0].Message.Key.Should().NotBeNull();
    }

    [Fact]
    public async Task Assign_OffsetInsideFirstBatch_SkipsEarlierRecords()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 10);
        _cluster.Broker.Log($"{topic}/0").Batches.Should().ContainSingle("the fetch returns the whole batch from offset 0");
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(tp, 3)]);
        consumer.Position(tp).Should().Be(3);

        var records = await TakeAsync(consumer, 2);
        records.Select(r => r.Offset).Should().Equal(3, 4);
        consumer.Position(tp).Should().Be(5);
    }

    [Fact]
    public async Task Seek_Backwards_RereadsFromThere()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 6);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(tp, Offset.Beginning)]);
        using var cts = new CancellationTokenSource(Guard);
        var seen = new List<long>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            seen.Add(record.Offset);
            if (seen.Count == 4)
            {
                consumer.Seek(new TopicPartitionOffset(tp, 1));
            }

            if (seen.Count == 9)
            {
                break;
            }
        }

        seen.Should().Equal(0, 1, 2, 3, 1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task SeekToEnd_LongPoll_ReturnsOnlyNewRecords()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 3);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(tp, Offset.End)]);
        var take = TakeAsync(consumer, 1);
        await _cluster.Broker.NextFetchAsync($"{topic}/0", CancellationToken.None).WaitAsync(Guard); // the consumer is polling at the end
        await ProduceBatchAsync(topic, 0, 1, start: 3);

        var records = await take;
        records.Single().Offset.Should().Be(3);
        records.Single().Message.Value.Should().Be("v3");
    }

    [Fact]
    public async Task SeekToTimestampAsync_FirstRecordAtOrAfter()
    {
        var topic = await _cluster.CreateTopicAsync();
        var t0 = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await ProduceBatchAsync(topic, 0, 5, timestamp: t0); // record i at t0 + i s
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([tp]);

        (await consumer.SeekToTimestampAsync(tp, t0.AddMilliseconds(2500))).Should().Be(3);
        var records = await TakeAsync(consumer, 1);
        records.Single().Offset.Should().Be(3);
        records.Single().Message.Timestamp.Should().Be(t0.AddSeconds(3));

        (await consumer.SeekToTimestampAsync(tp, t0.AddDays(1))).Should().Be(5, "past the last record: the end");
    }

    [Fact]
    public async Task ConsumeAsync_Pipelining_NextFetchInFlightWhileAppHoldsRecord()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 3);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0)]);
        using var cts = new CancellationTokenSource(Guard);
        await using var enumerator = consumer.ConsumeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await enumerator.MoveNextAsync()).Should().BeTrue();
        enumerator.Current.Offset.Should().Be(0);

        // The application holds record 0; the consumer has already asked for what follows the fetched batch.
        var first = await _cluster.Broker.NextFetchAsync($"{topic}/0", cts.Token);
        var second = await _cluster.Broker.NextFetchAsync($"{topic}/0", cts.Token);
        first.Should().Be(0);
        second.Should().Be(3);
    }

    [Fact]
    public async Task PauseResume_PausedPartitionHeldBack_ThenDelivered()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await ProduceBatchAsync(topic, 0, 3);
        await ProduceBatchAsync(topic, 1, 3);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var p0 = new TopicPartition(topic, 0);
        var p1 = new TopicPartition(topic, 1);
        consumer.Assign([new TopicPartitionOffset(p0, 0), new TopicPartitionOffset(p1, 0)]);
        consumer.Pause([p0]);
        consumer.Paused.Should().Equal(p0);

        var first = await TakeAsync(consumer, 3);
        first.Should().OnlyContain(r => r.Partition == 1);
        consumer.Position(p0).Should().Be(0);

        consumer.Resume([p0]);
        var second = await TakeAsync(consumer, 3);
        second.Select(r => (r.Partition, r.Offset)).Should().Equal((0, 0L), (0, 1L), (0, 2L));
    }

    [Fact]
    public async Task OffsetOutOfRange_Earliest_ResetsToLogStart()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 2);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast with { AutoOffsetReset = AutoOffsetReset.Earliest });
        consumer.Assign([new TopicPartitionOffset(topic, 0, 100)]);

        (await TakeAsync(consumer, 2)).Select(r => r.Offset).Should().Equal(0, 1);
    }

    [Fact]
    public async Task OffsetOutOfRange_Error_ConsumeThrows()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 2);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast with { AutoOffsetReset = AutoOffsetReset.Error });
        consumer.Assign([new TopicPartitionOffset(topic, 0, 100)]);

        var act = () => TakeAsync(consumer, 1);
        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.OffsetOutOfRange);
    }

    [Fact]
    public async Task Assign_NoOffsetLatest_StartsAtHighWatermark()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 4);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([tp]);
        consumer.Position(tp).Should().BeNull("not resolved before the first fetch");
        var take = TakeAsync(consumer, 1);
        await _cluster.Broker.NextFetchAsync($"{topic}/0", CancellationToken.None).WaitAsync(Guard);
        await ProduceBatchAsync(topic, 0, 1, start: 4);

        (await take).Single().Offset.Should().Be(4);
    }

    [Fact]
    public async Task Headers_NullsAndTombstones_RoundTrip()
    {
        var topic = await _cluster.CreateTopicAsync();
        await using (var producer = _cluster.Connection.CreateProducer<string, string>())
        {
            await producer.ProduceAsync(topic, new Message<string, string>
            {
                Key = null,
                Value = null,
                Headers = new Headers().Add("a", "1").Add("b", (byte[]?)null).Add("a", "2"),
            }).WaitAsync(Guard);
        }

        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0)]);
        var record = (await TakeAsync(consumer, 1)).Single();
        record.Message.Key.Should().BeNull();
        record.Message.Value.Should().BeNull();
        record.Message.Headers!.Select(h => h.Key).Should().Equal("a", "b", "a");
        record.Message.Headers![1].Value.Should().BeNull();
        record.Message.Headers!.TryGetLastValue("a", out var last).Should().BeTrue();
        last.Should().Equal("2"u8.ToArray());
    }

    [Fact]
    public async Task Seek_UnassignedPartition_Throws()
    {
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var act = () => consumer.Seek(new TopicPartitionOffset("x", 0, 1));
        act.Should().Throw<InvalidOperationException>().WithMessage("*not assigned*");
    }
}
