using System.Buffers;
using Runnel.Log.Batches;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>Allocation budgets of the batch work on the produce path (CI fails when someone adds allocations).</summary>
public sealed class AllocationBudgetTests
{
    /// <summary>What one built batch may allocate beyond the pooled buffers: the builder object and its small state.
    /// Measured 144 B on .NET 10; the budget leaves room for runtime differences, not for per-record allocations
    /// (64 records: even 8 B per record would break it).</summary>
    private const long BuilderBytesPerBatch = 256;

    private static readonly byte[] Key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
    private static readonly byte[] Value = new byte[1024];

    [Fact]
    public void RecordBatchBuilder_64RecordsWrittenToAReusedBuffer_StaysWithinBudgetPerBatch()
    {
        var output = new ArrayBufferWriter<byte>(128 * 1024);

        var perBatch = Allocations.PerOperation(() =>
        {
            output.ResetWrittenCount();
            using var builder = new RecordBatchBuilder();
            for (var i = 0; i < 64; i++)
            {
                builder.TryAppend(1_700_000_000_000 + i, Key, Value);
            }

            return builder.WriteTo(output);
        }, iterations: 200);

        perBatch.Should().BeLessThanOrEqualTo(BuilderBytesPerBatch);
    }

    [Fact]
    public void RecordBatchValidate_ProduceMode_AllocatesNothing()
    {
        var batch = Build(64);

        Allocations.PerOperation(() =>
        {
            RecordBatch.Validate(batch);
            return batch.Length;
        }).Should().Be(0);
    }

    [Fact]
    public void RecordBatchReader_RecordsOfAFetchedBatch_AllocatesNothing()
    {
        var batch = Build(64);
        var memory = batch.AsMemory();

        Allocations.PerOperation(() =>
        {
            var total = 0L;
            foreach (var view in new RecordBatchReader(memory))
            {
                using var records = view.ReadRecords();
                foreach (var record in records)
                {
                    total += record.Offset + record.Value!.Value.Length;
                }
            }

            return total;
        }).Should().Be(0);
    }

    private static byte[] Build(int records)
    {
        using var builder = new RecordBatchBuilder();
        for (var i = 0; i < records; i++)
        {
            builder.TryAppend(1_700_000_000_000 + i, Key, Value);
        }

        return builder.ToArray();
    }
}
