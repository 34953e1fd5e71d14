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

    /// <summary>About 1 MiB: 16 batches of 64 records of 1 KiB, as a catch-up fetch returns them.</summary>
    private static byte[] LargeResponse()
    {
        var batches = Enumerable.Range(0, 16).Select(i => SampleBatches.Create($"b{i}", records: 64, valueSize: 1024)).ToArray();
        return FetchSummaryTests.Response(batches);
    }
}
