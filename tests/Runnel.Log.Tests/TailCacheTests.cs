using System.Runtime.InteropServices;
using Runnel.Log.Batches;
using Runnel.Log.Internal;
using Runnel.Testing;

namespace Runnel.Log.Tests;

public sealed class TailCacheTests
{
    [Fact]
    public void TryRead_ReadSpansBlocksAndABlockOnlyPartlyFits_StopsThereWithoutAGap()
    {
        // Block A: one big batch; block B: a big batch then a small one; block C: a small one. A read whose budget
        // ends inside B must not go on to C (that skipped B's second batch: offsets jumped, as a consumer saw).
        var cache = new TailCache(capacityBytes: 1 << 20);
        long next = 0;
        cache.Add(Block(ref next, SampleBatches.Create("a", records: 4, valueSize: 400)));
        cache.Add(Block(ref next, SampleBatches.Create("b1", records: 4, valueSize: 400), SampleBatches.Create("b2", records: 4, valueSize: 400)));
        cache.Add(Block(ref next, SampleBatches.Create("c", records: 1, valueSize: 1)));
        var firstTwo = SampleBatches.Create("a", records: 4, valueSize: 400).Length * 2;

        cache.TryRead(0, maxBytes: firstTwo + 200, out var read).Should().BeTrue();

        var offsets = new List<long>();
        foreach (var batch in new RecordBatchReader(read))
        {
            offsets.Add(batch.BaseOffset);
        }

        offsets.Should().Equal(0, 4);
    }

    [Fact]
    public void TryRead_FirstBlockGivesHalfTheBudget_ReturnsASliceOfThatBlockWithoutCopying()
    {
        var cache = new TailCache(capacityBytes: 1 << 20);
        long next = 0;
        var a = Block(ref next, SampleBatches.Create("a1", records: 4, valueSize: 400), SampleBatches.Create("a2", records: 4, valueSize: 400));
        cache.Add(a);
        cache.Add(Block(ref next, SampleBatches.Create("b", records: 4, valueSize: 400)));

        cache.TryRead(0, maxBytes: a.Data.Length + 100, out var read).Should().BeTrue();

        read.Length.Should().Be(a.Data.Length, "the first block alone is more than half the budget");
        MemoryMarshal.TryGetArray(read, out var segment).Should().BeTrue();
        MemoryMarshal.TryGetArray(a.Data, out var block).Should().BeTrue();
        segment.Array.Should().BeSameAs(block.Array, "the answer is the block's own bytes, not a copy");
    }

    [Fact]
    public void TryRead_FirstBlockGivesLessThanHalfTheBudget_JoinsTheNextBlocks()
    {
        var cache = new TailCache(capacityBytes: 1 << 20);
        long next = 0;
        var a = Block(ref next, SampleBatches.Create("a", records: 1, valueSize: 10));
        var b = Block(ref next, SampleBatches.Create("b", records: 4, valueSize: 400));
        cache.Add(a);
        cache.Add(b);

        cache.TryRead(0, maxBytes: 64 * 1024, out var read).Should().BeTrue();

        read.Length.Should().Be(a.Data.Length + b.Data.Length);
        var offsets = new List<long>();
        foreach (var batch in new RecordBatchReader(read))
        {
            offsets.Add(batch.BaseOffset);
        }

        offsets.Should().Equal(0, 1);
    }

    private static TailCache.Block Block(ref long next, params byte[][] batches)
    {
        var first = next;
        var data = new List<byte>();
        foreach (var batch in batches)
        {
            RecordBatch.SetBaseOffset(batch, next);
            next += SampleBatches.RecordCount(batch);
            data.AddRange(batch);
        }

        return new TailCache.Block(first, next - 1, data.ToArray());
    }
}
