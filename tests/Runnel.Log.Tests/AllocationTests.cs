using Runnel.Log.Batches;

namespace Runnel.Log.Tests;

public sealed class AllocationTests
{
    [Fact]
    public void HotPath_UncompressedBatch_AllocatesNothing()
    {
        var records = Enumerable.Range(0, 20)
            .Select(i => TestBatches.Simple(i) with { Headers = [new TestHeader("h", [1, 2, 3])] })
            .ToArray();
        var batch = TestBatches.Build(records);
        var segment = batch.Concat(batch).Concat(batch).ToArray();
        var memory = segment.AsMemory();

        Run(batch, memory, segment); // warm up: JIT and tiering allocate, the steady state must not
        Run(batch, memory, segment);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0L;
        for (var i = 0; i < 1000; i++)
        {
            sum += Run(batch, memory, segment);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().Be(0);
        sum.Should().BeGreaterThan(0);
    }

    private static long Run(byte[] batch, ReadOnlyMemory<byte> memory, byte[] segment)
    {
        RecordBatch.Validate(batch);
        var header = RecordBatchHeader.Read(batch);
        RecordBatch.SetBaseOffset(batch, header.BaseOffset + 1);
        var scan = RecordBatchSplitter.Scan(segment);

        long total = header.RecordCount + scan.BatchCount;
        foreach (var view in new RecordBatchReader(memory))
        {
            using var records = view.ReadRecords();
            foreach (var record in records)
            {
                total += record.Value!.Value.Length + record.Offset;
                foreach (var h in record.Headers)
                {
                    total += h.KeyUtf8.Length;
                }
            }
        }

        return total;
    }
}
