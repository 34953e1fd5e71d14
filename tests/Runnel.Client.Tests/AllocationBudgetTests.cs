using Runnel.Client.Internal;
using Runnel.Testing;

namespace Runnel.Client.Tests;

/// <summary>Allocation budgets of the producer's per-record work and the consumer's fetch path (CI fails when someone
/// adds allocations).</summary>
public sealed class AllocationBudgetTests
{
    [Fact]
    public void Murmur2Hash_KeyOf16Bytes_AllocatesNothing()
    {
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();

        Allocations.PerOperation(() => Murmur2.Hash(key), iterations: 10_000).Should().Be(0);
    }

    [Fact]
    public void Murmur2PartitionerPartition_Key_AllocatesNothing()
    {
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();

        Allocations.PerOperation(() => Murmur2Partitioner.Instance.Partition("orders", key, keyIsNull: false, 8), iterations: 10_000).Should().Be(0);
    }

    [Fact]
    public void FetchSummaryOf_MiBOfPlainBatches_AllocatesNothing()
    {
        var response = LargeResponse();

        Allocations.PerOperation(() => FetchSummary.Of(response, offset: 10, checkCrcs: true).RecordCount, iterations: 200).Should().Be(0);
    }

    [Fact]
    public void ConsumedBatchWalk_MiBOfPlainBatches_AllocatesNothingPerRecord()
    {
        var response = LargeResponse();
        var summary = FetchSummary.Of(response, offset: 0, checkCrcs: true);
        var batch = new ConsumedBatch(new TopicPartition("t", 0), response, 0, summary.LastOffset, summary.RecordCount, summary.NextOffset);

        Allocations.PerOperation(() =>
        {
            long bytes = 0;
            foreach (var record in batch)
            {
                bytes += record.Value?.Length ?? 0;
            }

            return bytes;
        }, iterations: 200).Should().Be(0);
    }

    /// <summary>The producer's hand-over of a 1 KiB record (serialize, partition, append to the open batch) allocates
    /// the record's small bookkeeping objects only (~360 bytes: the record, its handler, the hand-over's effects list,
    /// the batch's entry list growing): the value is copied from the producing thread's buffer straight into the
    /// batch, never into an array of its own (that copy was another ~1,050 bytes per record, kept alive until the record
    /// was acknowledged).</summary>
    [Fact]
    public async Task ProducerProduce_1KiBRecordIntoOpenBatch_AllocatesNoCopyOfTheValue()
    {
        await using var cluster = await Infrastructure.FakeCluster.StartAsync();
        var topic = await cluster.CreateTopicAsync();
        // Linger long and batches of 1 MiB (~960 records of 1 KiB): every record below stays in one open batch.
        var options = ProducerOptions.Default with { Linger = TimeSpan.FromMinutes(10), BatchSize = 1024 * 1024 };
        await using var producer = new Producer<byte[], byte[]>(cluster.Connection.Grains, options);
        var message = new Message<byte[], byte[]> { Value = new byte[1024] };
        var first = producer.ProduceAsync(topic, message); // loads the topic's metadata
        await producer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20));
        (await first).Offset.Should().Be(0);
        long delivered = 0;
        Action<DeliveryReport<byte[], byte[]>> onDelivery = _ => Interlocked.Increment(ref delivered);
        // 400 records first and 200 of warm-up: the open batch's buffer has grown to its 1 MiB (a per-batch cost), so
        // the measured records (3 rounds of 100; 900 in all, under the ~960 a batch holds) only append.
        for (var i = 0; i < 400; i++)
        {
            producer.Produce(topic, message, onDelivery);
        }

        var perRecord = Allocations.PerOperation(() =>
        {
            producer.Produce(topic, message, onDelivery);
            return 1;
        }, iterations: 100);

        perRecord.Should().BeLessThan(512);
        await producer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Interlocked.Read(ref delivered).Should().Be(900);
    }

    /// <summary>About 1 MiB: 16 batches of 64 records of 1 KiB, as a catch-up fetch returns them.</summary>
    private static byte[] LargeResponse()
    {
        var batches = Enumerable.Range(0, 16).Select(i => SampleBatches.Create($"b{i}", records: 64, valueSize: 1024)).ToArray();
        return FetchSummaryTests.Response(batches);
    }
}
