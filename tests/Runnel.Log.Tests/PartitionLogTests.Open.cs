using System.Collections.Concurrent;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

public abstract partial class PartitionLogTests
{
    [Fact]
    public async Task OpenAsync_NewPartition_WritesItsManifestTwice_CreatedAtEpochOneThenActive()
    {
        // One conditional create at epoch 1 (Recovering), then the CAS to Active with the first segment: not an empty
        // manifest first and a CAS to epoch 1 (each manifest write is three to five fsyncs on the file store).
        var store = new ManifestWrites(await CreateStoreAsync());
        var partition = NewPartition();
        await using var log = await PartitionLog.OpenAsync(store, partition, "silo-a");

        store.Writes.Should().Equal(["create", "cas"]);
        log.Epoch.Should().Be(1);
        var manifest = PartitionManifest.FromJson((await store.GetAsync(partition.Manifest)).Content.Span, partition.Manifest);
        manifest.State.Should().Be(PartitionState.Active);
        manifest.Owner.Should().Be("silo-a");
        (await log.AppendAsync(SampleBatches.Create("first"))).BaseOffset.Should().Be(0);
    }

    [Fact]
    public async Task OpenAsync_ContendersRaceForANewPartition_OneServesAtTheHighestEpochAndTheOthersAreFenced()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            try
            {
                return await PartitionLog.OpenAsync(store, partition, $"silo-{i}");
            }
            catch (NotOwnerException)
            {
                return null; // outrun while it recovered: fine, as long as someone serves
            }
        })));
        var logs = opened.OfType<PartitionLog>().ToList();
        logs.Should().NotBeEmpty();
        var newest = logs.MaxBy(l => l.Epoch)!;
        logs.Select(l => l.Epoch).Should().OnlyHaveUniqueItems("each takeover has an epoch of its own");

        (await newest.AppendAsync(SampleBatches.Create("kept"))).BaseOffset.Should().Be(0);
        foreach (var older in logs.Where(l => l != newest))
        {
            var act = () => older.AppendAsync(SampleBatches.Create("fenced"));
            await act.Should().ThrowAsync<NotOwnerException>();
        }

        foreach (var log in logs)
        {
            await log.DisposeAsync();
        }
    }

    [Fact]
    public async Task AppendAsync_OneSmallBatch_TheTailCacheKeepsAnArrayOfItsSizeNotTheBlocks64KiB()
    {
        // 10,000 partitions holding one small record each kept 64 KiB each in their tail caches (~640 MiB).
        await using var log = await PartitionLog.OpenAsync(await CreateStoreAsync(), NewPartition(), "silo-a");
        var batch = SampleBatches.Create("small");
        await log.AppendAsync(batch);

        log.TailCacheRetainedBytes.Should().BeInRange(batch.Length, 2 * 1024, "the block is small: its array is right-sized when cached");
        (await log.ReadAsync(0, 1 << 20)).Batches.Length.Should().Be(batch.Length, "and it is still served from there");
    }

    /// <summary>Records the writes of manifests: "create" (if none exists) or "cas" (if its ETag matches).</summary>
    private sealed class ManifestWrites(IObjectStore inner) : ForwardingObjectStore(inner)
    {
        private readonly ConcurrentQueue<string> _writes = new();

        public string[] Writes => [.. _writes];

        public override ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
        {
            if (name.EndsWith("manifest", StringComparison.Ordinal))
            {
                _writes.Enqueue(condition.IfNoneMatchAny ? "create" : "cas");
            }

            return Inner.PutAsync(name, content, condition, cancellationToken);
        }
    }
}
