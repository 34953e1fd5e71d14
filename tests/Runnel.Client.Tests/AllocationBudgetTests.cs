using Runnel.Testing;

namespace Runnel.Client.Tests;

/// <summary>Allocation budgets of the producer's per-record work (CI fails when someone adds allocations).</summary>
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
}
