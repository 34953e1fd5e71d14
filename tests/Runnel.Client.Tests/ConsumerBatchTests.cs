using System.Text;
using Runnel.Buffers;
using Runnel.Client.Tests.Infrastructure;

namespace Runnel.Client.Tests;

/// <summary><see cref="Consumer{TKey, TValue}.ConsumeBatchesAsync"/>: records handed out a fetch at a time, in place, with
/// a lifetime that ends at the next step of the enumeration.</summary>
public sealed class ConsumerBatchTests(FakeClusterFixture fixture) : IClassFixture<FakeClusterFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private static readonly ConsumerOptions Fast = ConsumerOptions.Default with { FetchMaxWait = TimeSpan.FromMilliseconds(50) };
    private readonly FakeCluster _cluster = fixture.ForTest();

    /// <summary>Produces values v{start}..v{start+count-1} to one partition as one batch.</summary>
    private async Task ProduceBatchAsync(string topic, int partition, int count, int start = 0)
    {
        await using var producer = _cluster.Connection.CreateProducer<string, string>(ProducerOptions.Default with { Linger = TimeSpan.FromHours(1) });
        var tasks = Enumerable.Range(start, count)
            .Select(i => producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" }))
            .ToList();
        await producer.FlushAsync().WaitAsync(Guard);
        await Task.WhenAll(tasks);
    }

    /// <summary>What a batch held, copied out while it was valid.</summary>
    private sealed record Taken(int Partition, long FirstOffset, long LastOffset, int Count, List<(long Offset, string? Key, string? Value)> Records);

    private static async Task<List<Taken>> TakeBatchesAsync(IConsumer<string, string> consumer, int records)
    {
        using var cts = new CancellationTokenSource(Guard);
        var taken = new List<Taken>();
        var total = 0;
        await foreach (var batch in consumer.ConsumeBatchesAsync(cts.Token))
        {
            var list = new List<(long, string?, string?)>();
            foreach (var record in batch)
            {
                list.Add((record.Offset, Utf8(record.Key), Utf8(record.Value)));
            }

            taken.Add(new Taken(batch.Partition, batch.FirstOffset, batch.LastOffset, batch.Count, list));
            total += list.Count;
            if (total >= records)
            {
                break;
            }
        }

        return taken;
    }

    private static string? Utf8(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    [Fact]
    public async Task ConsumeBatchesAsync_FromBeginning_EveryRecordInOrderWithCountsThatMatch()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await ProduceBatchAsync(topic, 0, 5);
        await ProduceBatchAsync(topic, 0, 3, start: 5);
        await ProduceBatchAsync(topic, 1, 4, start: 100);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var p0 = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(p0, Offset.Beginning), new TopicPartitionOffset(topic, 1, Offset.Beginning)]);

        var batches = await TakeBatchesAsync(consumer, 12);

        batches.Should().OnlyContain(b => b.Count == b.Records.Count && b.FirstOffset == b.Records[0].Offset && b.LastOffset == b.Records[b.Records.Count - 1].Offset);
        var p0Records = batches.Where(b => b.Partition == 0).SelectMany(b => b.Records).ToList();
        p0Records.Select(r => r.Offset).Should().Equal(0, 1, 2, 3, 4, 5, 6, 7);
        p0Records.Select(r => r.Value).Should().Equal("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
        p0Records[0].Key.Should().Be("k0");
        batches.Where(b => b.Partition == 1).SelectMany(b => b.Records).Select(r => r.Value).Should().Equal("v100", "v101", "v102", "v103");
        consumer.Position(p0).Should().Be(8, "a batch handed out moves the position past its last record");
    }

    [Fact]
    public async Task ConsumeBatchesAsync_OffsetInsideStoredBatch_SkipsEarlierRecordsButRawBatchesKeepThem()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 10);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 3)]);
        using var cts = new CancellationTokenSource(Guard);
        await using var enumerator = consumer.ConsumeBatchesAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        (await enumerator.MoveNextAsync()).Should().BeTrue();
        var batch = enumerator.Current;

        batch.FirstOffset.Should().Be(3);
        batch.LastOffset.Should().Be(9);
        batch.Count.Should().Be(7);
        var offsets = new List<long>();
        foreach (var record in batch)
        {
            offsets.Add(record.Offset);
        }

        offsets.Should().Equal(3, 4, 5, 6, 7, 8, 9);
        new Runnel.Log.Batches.RecordBatchView(batch.RawBatches).BaseOffset.Should().Be(0, "the stored batch is passed on unchanged");
    }

    [Fact]
    public async Task ConsumeBatchesAsync_BatchKeptPastTheNextStep_IsReleasedAndThrows()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await ProduceBatchAsync(topic, 0, 2);
        await ProduceBatchAsync(topic, 1, 2);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0), new TopicPartitionOffset(topic, 1, 0)]);
        using var cts = new CancellationTokenSource(Guard);
        var enumerator = consumer.ConsumeBatchesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await enumerator.MoveNextAsync()).Should().BeTrue();
        var first = enumerator.Current;
        var walk = first.GetEnumerator();
        first.IsReleased.Should().BeFalse();
        PooledBuffer.TryGetFrom(first.RawBatches, out var firstBytes).Should().BeTrue("a fetch response arrives in a pooled buffer");
        firstBytes!.IsReleased.Should().BeFalse();

        (await enumerator.MoveNextAsync()).Should().BeTrue();
        var second = enumerator.Current;

        first.IsReleased.Should().BeTrue();
        firstBytes.IsReleased.Should().BeTrue("the consumer gives a batch's bytes back to the pool when it releases the batch");
        first.Invoking(b => b.GetEnumerator()).Should().Throw<ObjectDisposedException>();
        first.Invoking(b => b.RawBatches).Should().Throw<ObjectDisposedException>();
        var act = () => walk.MoveNext();
        act.Should().Throw<ObjectDisposedException>("an enumerator taken before the release stops too");
        second.IsReleased.Should().BeFalse();

        await enumerator.DisposeAsync();
        second.IsReleased.Should().BeTrue("ending the enumeration releases the batch it handed out last");
    }

    [Fact]
    public async Task ConsumeBatchesAsync_WhileConsumeAsyncEnumerates_Throws()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 2);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0)]);
        using var cts = new CancellationTokenSource(Guard);
        await using var records = consumer.ConsumeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await records.MoveNextAsync()).Should().BeTrue();

        var act = async () => await consumer.ConsumeBatchesAsync(cts.Token).GetAsyncEnumerator(cts.Token).MoveNextAsync();

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*already being enumerated*");
    }

    [Fact]
    public async Task ConsumeAsync_StoppedInsideAFetch_NextEnumerationGoesOnAtThePosition()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 6);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(tp, 0)]);
        using var cts = new CancellationTokenSource(Guard);
        var values = new List<string?>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            values.Add(record.Message.Value);
            if (values.Count == 2)
            {
                break;
            }
        }

        consumer.Position(tp).Should().Be(2);

        var rest = await TakeBatchesAsync(consumer, 4);

        rest.First().FirstOffset.Should().Be(2, "the records of the fetch the first enumeration stopped inside are not lost");
        rest.SelectMany(b => b.Records).Select(r => r.Value).Should().Equal("v2", "v3", "v4", "v5");
        consumer.Position(tp).Should().Be(6);
    }

    [Fact]
    public async Task ConsumeBatchesAsync_PausedPartition_HeldBackThenDeliveredOnResume()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await ProduceBatchAsync(topic, 0, 3);
        await ProduceBatchAsync(topic, 1, 3);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        var p0 = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(p0, 0), new TopicPartitionOffset(topic, 1, 0)]);
        consumer.Pause([p0]);

        var first = await TakeBatchesAsync(consumer, 3);
        first.Should().OnlyContain(b => b.Partition == 1);
        consumer.Position(p0).Should().Be(0);

        consumer.Resume([p0]);
        var second = await TakeBatchesAsync(consumer, 3);
        second.SelectMany(b => b.Records.Select(r => (b.Partition, r.Offset))).Should().Equal((0, 0L), (0, 1L), (0, 2L));
    }

    [Fact]
    public async Task ConsumeBatchesAsync_CorruptStoredBatch_ThrowsCorruptRecordBatch()
    {
        var topic = await _cluster.CreateTopicAsync();
        await ProduceBatchAsync(topic, 0, 3);
        var stored = _cluster.Broker.Log($"{topic}/0").Batches.Single();
        stored[^1] ^= 0xFF; // a value byte: the CRC no longer matches
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0)]);

        var act = () => TakeBatchesAsync(consumer, 1);

        (await act.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.CorruptRecordBatch);
    }

    [Fact]
    public async Task ConsumeBatchesAsync_LargeResponse_WholeFetchInOneBatchReleasedAtTheNextStep()
    {
        var topic = await _cluster.CreateTopicAsync(partitions: 2);
        await using (var producer = _cluster.Connection.CreateProducer<string, byte[]>(ProducerOptions.Default with { Linger = TimeSpan.FromHours(1), BatchSize = 1 << 20 }))
        {
            var value = new byte[1024];
            var tasks = Enumerable.Range(0, 100).Select(_ => producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, byte[]> { Value = value })).ToList();
            await producer.FlushAsync().WaitAsync(Guard);
            await Task.WhenAll(tasks);
        }

        await ProduceBatchAsync(topic, 1, 1);
        await using var consumer = _cluster.Connection.CreateConsumer<string, string>(Fast);
        consumer.Assign([new TopicPartitionOffset(topic, 0, 0), new TopicPartitionOffset(topic, 1, 0)]);
        consumer.Pause([new TopicPartition(topic, 1)]);
        using var cts = new CancellationTokenSource(Guard);
        await using var enumerator = consumer.ConsumeBatchesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        (await enumerator.MoveNextAsync()).Should().BeTrue();
        var large = enumerator.Current;
        large.Count.Should().Be(100);
        large.RawBatches.Length.Should().BeGreaterThan(100 * 1024, "the stored batch of 100 records of 1 KiB, as fetched");
        consumer.Resume([new TopicPartition(topic, 1)]);

        (await enumerator.MoveNextAsync()).Should().BeTrue();

        enumerator.Current.Partition.Should().Be(1);
        large.IsReleased.Should().BeTrue("the consumer released the batch at the next step");
        large.Invoking(b => b.RawBatches).Should().Throw<ObjectDisposedException>();
    }
}
