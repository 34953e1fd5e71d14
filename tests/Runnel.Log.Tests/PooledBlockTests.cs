using Runnel.Buffers;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>
/// A log's append blocks live in pooled buffers: the tail cache holds one reference to each, every read served from
/// the tail takes another for its caller, and a block goes back to the pool only when both are done with it.
/// </summary>
public sealed class PooledBlockTests : IDisposable
{
    private readonly TempDirectory _directory = new("pooled-blocks");

    public void Dispose() => _directory.Dispose();

    private Task<PartitionLog> OpenAsync(long tailCacheBytes) =>
        PartitionLog.OpenAsync(new FileObjectStore(_directory.Path), new PartitionPaths($"topics/t{Guid.NewGuid():N}/0/"), "silo-a",
            new PartitionLogOptions { TailCacheBytes = tailCacheBytes });

    [Fact]
    public async Task TailRead_BlockEvictedWhileTheReaderHoldsIt_BytesIntactUntilTheReaderReleasesThem()
    {
        await using var log = await OpenAsync(tailCacheBytes: 16 * 1024);
        var first = SampleBatches.Create("first", records: 2, valueSize: 3000);
        await log.AppendAsync(first);

        var read = await log.ReadAsync(0, 64 * 1024);
        PooledBuffer.TryGetFrom(read.Batches, out var block).Should().BeTrue("an appended block is a pooled buffer");

        // Each append is a block of ~6 KiB: a few more push the first one out of the 16 KiB cache.
        for (var i = 0; i < 8; i++)
        {
            await log.AppendAsync(SampleBatches.Create($"later{i}", records: 2, valueSize: 3000));
        }

        block!.IsReleased.Should().BeFalse("the reader still holds a reference after the cache evicted the block");
        SampleBatches.ContentHash(SampleBatches.Split(read.Batches)[0]).Should().Be(SampleBatches.ContentHash(first));
        var cold = await log.ReadAsync(0, 64 * 1024);
        SampleBatches.Split(cold.Batches)[0].Should().Equal(SampleBatches.Split(read.Batches)[0], "a cold read of offset 0 finds the same stored batch");

        block.Release();
        block.IsReleased.Should().BeTrue("the cache released its reference when it evicted the block; the reader's was the last");
    }

    [Fact]
    public async Task Close_BlocksStillCached_ReleasedToThePool()
    {
        var log = await OpenAsync(tailCacheBytes: 1 << 20);
        await log.AppendAsync(SampleBatches.Create("a", records: 2, valueSize: 100));
        var read = await log.ReadAsync(0, 4096);
        PooledBuffer.TryGetFrom(read.Batches, out var block).Should().BeTrue();
        block!.Release();
        block.IsReleased.Should().BeFalse("the cache holds the block");

        await log.CloseAsync();

        block.IsReleased.Should().BeTrue("a closed log serves no reads: its cache lets go of its blocks");
    }

    [Fact]
    public async Task NoTailCache_WrittenBlock_GoesStraightBackToThePool()
    {
        // With no cache nobody holds a written block: reads are cold and come back in buffers of their own.
        await using var log = await OpenAsync(tailCacheBytes: 0);
        await log.AppendAsync(SampleBatches.Create("a", records: 2, valueSize: 100));

        var read = await log.ReadPooledAsync(0, 4096);

        PooledBuffer.TryGetFrom(read.Batches, out var buffer).Should().BeTrue();
        buffer!.Release();
        buffer.IsReleased.Should().BeTrue("a cold read's buffer holds only the caller's reference");
    }

    [Fact]
    public async Task ConcurrentAppendsAndTailReads_SmallCache_EveryReadIntact()
    {
        // Readers hold and release tail slices while appends evict blocks as fast as they come: a block returned to the
        // pool while a reader still held it (and rented again by a later block) would show as another batch's bytes.
        await using var log = await OpenAsync(tailCacheBytes: 64 * 1024);
        const int Batches = 300;
        var hashes = new string[Batches];
        var appended = 0L;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Batches; i++)
            {
                var batch = SampleBatches.Create($"b{i}", records: 2, valueSize: 4000);
                hashes[i] = SampleBatches.ContentHash(batch);
                await log.AppendAsync(batch);
                Volatile.Write(ref appended, i + 1);
            }
        });

        var readers = Enumerable.Range(0, 3).Select(reader => Task.Run(async () =>
        {
            var checkedReads = 0;
            while (!writer.IsCompleted || checkedReads == 0)
            {
                var last = Volatile.Read(ref appended) - 1;
                if (last < 0)
                {
                    await Task.Yield();
                    continue;
                }

                var read = await log.ReadAsync(last * 2, 16 * 1024);
                await Task.Yield(); // hold the bytes while the writer moves on
                var index = (int)(SampleBatches.BaseOffset(read.Batches.Span) / 2);
                SampleBatches.ContentHash(SampleBatches.Split(read.Batches)[0]).Should().Be(hashes[index], "reader {0}, batch {1}", reader, index);
                if (PooledBuffer.TryGetFrom(read.Batches, out var block))
                {
                    block.Release();
                }

                checkedReads++;
            }
        })).ToArray();

        await writer;
        await Task.WhenAll(readers);
    }
}
