using System.Collections.Concurrent;
using Runnel.Buffers;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>
/// <see cref="PartitionLog.ReadPooledAsync(long, int, CancellationToken)"/>: a cold read returns batches in a pooled buffer that carries one
/// reference (the caller's), and every buffer read on the way but not returned has been released.
/// </summary>
public sealed class PooledReadTests : IDisposable
{
    private readonly TempDirectory _directory = new("pooled-log");

    public void Dispose() => _directory.Dispose();

    private static readonly PartitionLogOptions NoTail = new() { TailCacheBytes = 0, IndexIntervalBytes = 256 };

    private async Task<(PartitionLog Log, RecordingStore Store, List<byte[]> Batches)> LogWithBatchesAsync(int count, int valueSize)
    {
        var store = new RecordingStore(new FileObjectStore(_directory.Path));
        var log = await PartitionLog.OpenAsync(store, new PartitionPaths($"topics/t{Guid.NewGuid():N}/0/"), "silo-a", NoTail);
        var batches = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var batch = SampleBatches.Create($"b{i}", records: 2, valueSize: valueSize);
            await log.AppendAsync(batch);
            batches.Add(batch);
        }

        return (log, store, batches);
    }

    [Fact]
    public async Task ReadPooledAsync_ColdRead_BatchesInAPooledBufferHoldingTheOneReference()
    {
        var (log, store, batches) = await LogWithBatchesAsync(40, valueSize: 300);
        await using var owned = log;

        var read = await log.ReadPooledAsync(10 * 2, 4096);

        var split = SampleBatches.Split(read.Batches);
        SampleBatches.BaseOffset(split[0]).Should().Be(20);
        SampleBatches.ContentHash(split[0]).Should().Be(SampleBatches.ContentHash(batches[10]));
        PooledBuffer.TryGetFrom(read.Batches, out var buffer).Should().BeTrue();
        buffer!.IsReleased.Should().BeFalse("the caller holds the batches");
        store.Pooled.Should().ContainSingle().Which.Should().BeSameAs(buffer);
        buffer.Release();
        buffer.IsReleased.Should().BeTrue();

        var plain = await log.ReadAsync(10 * 2, 4096);
        PooledBuffer.TryGetFrom(plain.Batches, out _).Should().BeFalse("ReadAsync keeps to GC-owned memory");
    }

    [Fact]
    public async Task ReadPooledAsync_FirstReadHoldsNoWholeBatch_ThatBufferIsReleasedAndTheNextReturned()
    {
        // Batches of ~2.5 KiB against a first read of maxBytes + the index interval (1 + 256 bytes): the log must read
        // again for a whole batch, and the first buffer is nobody's once it does.
        var (log, store, batches) = await LogWithBatchesAsync(10, valueSize: 1200);
        await using var owned = log;

        var read = await log.ReadPooledAsync(3 * 2, 1);

        SampleBatches.ContentHash(SampleBatches.Split(read.Batches)[0]).Should().Be(SampleBatches.ContentHash(batches[3]));
        PooledBuffer.TryGetFrom(read.Batches, out var returned).Should().BeTrue();
        store.Pooled.Should().HaveCountGreaterThan(1);
        store.Pooled.Where(b => !ReferenceEquals(b, returned)).Should().OnlyContain(b => b.IsReleased);
        returned!.IsReleased.Should().BeFalse();
    }

    /// <summary>Records the pooled buffers the store hands out.</summary>
    private sealed class RecordingStore(IObjectStore inner) : ForwardingObjectStore(inner)
    {
        public ConcurrentQueue<PooledBuffer> Pooled { get; } = new();

        public override async ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default)
        {
            var content = await Inner.GetPooledAsync(name, range, cancellationToken);
            if (PooledBuffer.TryGetFrom(content.Content, out var buffer))
            {
                Pooled.Enqueue(buffer);
            }

            return content;
        }
    }
}
