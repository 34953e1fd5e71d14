using Runnel.Log.Internal;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>Batches larger than an append block (records up to 64 MiB): written as consecutive blocks, acknowledged
/// after the last, read back whole, found again by a scan, and a crash between the parts loses nothing acknowledged
/// and shows nothing of the batch.</summary>
public abstract partial class PartitionLogTests
{
    private static readonly PartitionLogOptions SmallBlocks = new()
    {
        MaxBlockBytes = 64 * 1024,
        MaxBatchBytes = 1024 * 1024,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
    };

    [Fact]
    public async Task AppendAsync_BatchLargerThanABlock_WrittenInPartsAndReadBackWhole()
    {
        var store = new CrashingObjectStore(await CreateStoreAsync());
        var appends = 0;
        store.Before = (operation, _) =>
        {
            if (operation == StorageOperation.AppendBlock)
            {
                Interlocked.Increment(ref appends);
            }

            return Task.CompletedTask;
        };
        var partition = NewPartition();
        await using var log = await PartitionLog.OpenAsync(store, partition, "silo-a", SmallBlocks);
        var before = SampleBatches.Create("before");
        var big = SampleBatches.Create("big", records: 5, valueSize: 60_000); // ~300 KiB: 5 blocks of 64 KiB
        var after = SampleBatches.Create("after");

        await log.AppendAsync(before);
        var appendsBefore = Volatile.Read(ref appends);
        var bigAt = await log.AppendAsync(big);
        var appendsOfBig = Volatile.Read(ref appends) - appendsBefore;
        var afterAt = await log.AppendAsync(after);

        big.Length.Should().BeGreaterThan(4 * SmallBlocks.MaxBlockBytes);
        appendsOfBig.Should().Be((big.Length + SmallBlocks.MaxBlockBytes - 1) / SmallBlocks.MaxBlockBytes, "one store append per block-sized part");
        bigAt.BaseOffset.Should().Be(3);
        afterAt.BaseOffset.Should().Be(8);
        var read = await log.ReadAsync(3, 1024);
        SampleBatches.Split(read.Batches).Select(b => SampleBatches.ContentHash(b)).First().Should().Be(SampleBatches.ContentHash(big),
            "a read returns at least one whole batch, however large");
        await log.CloseAsync();

        await using var reopened = await PartitionLog.OpenAsync(store.Inner, partition, "silo-b", SmallBlocks);
        await AssertAcknowledgedAsync(reopened, new Dictionary<long, string>
        {
            [0] = SampleBatches.ContentHash(before),
            [3] = SampleBatches.ContentHash(big),
            [8] = SampleBatches.ContentHash(after),
        });
    }

    [Fact]
    public async Task AppendAsync_CrashBetweenThePartsOfALargeBatch_NothingOfItSurvivesAndTheLogGoesOn()
    {
        var crashing = new CrashingObjectStore(await CreateStoreAsync());
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(crashing, partition, "silo-a", SmallBlocks);
        var before = SampleBatches.Create("before");
        await log.AppendAsync(before);
        var parts = 0;
        crashing.Arm((operation, _) => operation == StorageOperation.AppendBlock && Interlocked.Increment(ref parts) == 3);

        var big = () => log.AppendAsync(SampleBatches.Create("big", records: 5, valueSize: 60_000));

        await big.Should().ThrowAsync<Exception>("the process died between the second and the third part");
        Volatile.Read(ref parts).Should().Be(3);
        await using var next = await PartitionLog.OpenAsync(crashing.Inner, partition, "silo-b", SmallBlocks);
        next.HighWatermark.Should().Be(3, "the torn batch was never acknowledged: recovery cuts it");
        var after = SampleBatches.Create("after");
        (await next.AppendAsync(after)).BaseOffset.Should().Be(3);
        await AssertAcknowledgedAsync(next, new Dictionary<long, string>
        {
            [0] = SampleBatches.ContentHash(before),
            [3] = SampleBatches.ContentHash(after),
        });
        await AssertContiguousAsync(next);
    }

    [Fact]
    public async Task Scan_BatchLongerThanTheScannersChunk_IsFramedWholeNotTakenForATornTail()
    {
        var store = await CreateStoreAsync();
        var name = $"scan/{Guid.NewGuid():N}.log";
        var small = SampleBatches.Create("small");
        var big = SampleBatches.Create("big", records: 9, valueSize: 1024 * 1024); // over 9 MiB: the scanner reads 8 MiB at a time
        await store.CreateAppendBlobAsync(name);
        var position = 0L;
        foreach (var batch in new[] { small, big, small })
        {
            for (var part = 0; part < batch.Length; part += ObjectStoreLimits.MaxAppendBlockBytes)
            {
                var length = Math.Min(ObjectStoreLimits.MaxAppendBlockBytes, batch.Length - part);
                await store.AppendBlockAsync(name, batch.AsMemory(part, length), AppendCondition.AtPosition(position));
                position += length;
            }
        }

        var scan = await SegmentScanner.ScanAsync(store, name, baseOffset: 0, position, indexIntervalBytes: 4096, CancellationToken.None);

        big.Length.Should().BeGreaterThan(8 * 1024 * 1024);
        scan.TornTail.Should().BeFalse();
        scan.ValidLength.Should().Be(position);
        scan.Batches.Select(b => b.Size).Should().Equal(small.Length, big.Length, small.Length);
    }
}
