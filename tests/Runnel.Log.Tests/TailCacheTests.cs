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
