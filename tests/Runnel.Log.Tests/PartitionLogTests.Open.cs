using System.Collections.Concurrent;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

public abstract partial class PartitionLogTests
{
    [Fact]
    public async Task OpenAsync_NewPartition_WritesItsManifestOnce_CreatedActiveAtEpochOneWithItsFirstSegment()
    {
        // One conditional create, Active, naming the segment created just before: not a create Recovering and then a
        // CAS to Active (each manifest write is three to five fsyncs on the file store).
        var store = new ManifestWrites(await CreateStoreAsync());
        var partition = NewPartition();
        await using var log = await PartitionLog.OpenAsync(store, partition, "silo-a");

        store.Writes.Should().Equal(["create"]);
        log.Epoch.Should().Be(1);
        var manifest = PartitionManifest.FromJson((await store.GetAsync(partition.Manifest)).Content.Span, partition.Manifest);
        manifest.State.Should().Be(PartitionState.Active);
        manifest.Owner.Should().Be("silo-a");
        manifest.Segments.Select(s => s.Name).Should().Equal([partition.Segment(1, 0)]);
        (await store.GetPropertiesAsync(partition.Segment(1, 0))).Length.Should().Be(0);
        (await log.AppendAsync(SampleBatches.Create("first"))).BaseOffset.Should().Be(0);
    }

    [Fact]
    public async Task OpenAsync_LosesTheCreateOfANewPartitionAfterCreatingItsSegment_TakesOverAtEpochTwoAndFencesTheWinner()
    {
        // The loser created the first segment too (the same name): it must not append to it, and taking over from the
        // winner must seal it with the winner's acknowledged record kept.
        var inner = await CreateStoreAsync();
        var partition = NewPartition();
        PartitionLog? winner = null;
        LogAppendResult acked = default;
        var store = new BeforeManifestCreate(inner, async () =>
        {
            winner = await PartitionLog.OpenAsync(inner, partition, "silo-winner");
            acked = await winner.AppendAsync(SampleBatches.Create("acked"));
        });

        await using var loser = await PartitionLog.OpenAsync(store, partition, "silo-loser");
        await using var fenced = winner!;

        fenced.Epoch.Should().Be(1);
        loser.Epoch.Should().Be(2, "it lost epoch 1 and took over from the winner");
        (await loser.ReadAsync(acked.BaseOffset, 1 << 20)).Batches.Length.Should().BeGreaterThan(0, "the winner's acknowledged record is kept");
        (await store.GetPropertiesAsync(partition.Segment(1, 0))).IsSealed.Should().BeTrue();
        var act = () => fenced.AppendAsync(SampleBatches.Create("zombie"));
        await act.Should().ThrowAsync<NotOwnerException>();
        (await loser.AppendAsync(SampleBatches.Create("next"))).BaseOffset.Should().Be(acked.LastOffset + 1);
    }

    [Fact]
    public async Task OpenAsync_NewPartitionWhoseFirstSegmentNameHoldsBytes_NeverAppendsThere_AndTheNextOpenServesAtEpochTwo()
    {
        // A leftover blob under the first segment's name (no manifest): not taken as an empty new segment.
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        await store.CreateAppendBlobAsync(partition.Segment(1, 0));
        await store.AppendBlockAsync(partition.Segment(1, 0), new byte[] { 1, 2, 3 });

        var first = () => PartitionLog.OpenAsync(store, partition, "silo-a");
        await first.Should().ThrowAsync<NotOwnerException>();

        await using var log = await PartitionLog.OpenAsync(store, partition, "silo-a");
        log.Epoch.Should().Be(2);
        (await log.AppendAsync(SampleBatches.Create("first"))).BaseOffset.Should().Be(0);
        (await store.GetPropertiesAsync(partition.Segment(1, 0))).Length.Should().Be(3, "the leftover was not appended to");
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

    /// <summary>Runs <paramref name="before"/> once, just before the first conditional create of a manifest goes to the
    /// store (after the caller created the first segment).</summary>
    private sealed class BeforeManifestCreate(IObjectStore inner, Func<Task> before) : ForwardingObjectStore(inner)
    {
        private int _ran;

        public override async ValueTask<BlobWriteResult> PutAsync(string name, ReadOnlyMemory<byte> content, BlobCondition condition = default, CancellationToken cancellationToken = default)
        {
            if (name.EndsWith("manifest", StringComparison.Ordinal) && condition.IfNoneMatchAny && Interlocked.Exchange(ref _ran, 1) == 0)
            {
                await before();
            }

            return await Inner.PutAsync(name, content, condition, cancellationToken);
        }
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
