using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

public abstract partial class PartitionLogTests
{
    private static readonly PartitionLogOptions FastRetries = new() { RetryBaseDelay = TimeSpan.FromMilliseconds(1), SegmentBytes = 8192, IndexIntervalBytes = 512 };

    [Theory]
    [InlineData(StorageFaultKind.LostResponse)]
    [InlineData(StorageFaultKind.Unavailable)]
    [InlineData(StorageFaultKind.Throttled)]
    public async Task AppendAsync_StoreFaultOnAppendBlock_BlockLandsExactlyOnce(StorageFaultKind kind)
    {
        var faulty = new FaultInjectingObjectStore(await CreateStoreAsync());
        await using var log = await PartitionLog.OpenAsync(faulty, NewPartition(), "silo-a", FastRetries);
        await log.AppendAsync(SampleBatches.Create("before"));
        faulty.FailNext(2, StorageOperation.AppendBlock, kind);

        var result = await log.AppendAsync(SampleBatches.Create("faulted"));
        var after = await log.AppendAsync(SampleBatches.Create("after"));

        faulty.InjectedCount(kind, StorageOperation.AppendBlock).Should().Be(2);
        result.BaseOffset.Should().Be(3);
        after.BaseOffset.Should().Be(6, "the faulted block is in the log once, not twice and not lost");
        await AssertContiguousAsync(log);
        await AssertNoDuplicateContentAsync(log);
    }

    [Theory]
    [InlineData(StorageOperation.Seal)]
    [InlineData(StorageOperation.CreateAppendBlob)]
    [InlineData(StorageOperation.Put)]
    public async Task AppendAsync_LostResponsesDuringRolls_LogStaysContiguous(StorageOperation operation)
    {
        var faulty = new FaultInjectingObjectStore(await CreateStoreAsync());
        var partition = NewPartition();
        var log = await PartitionLog.OpenAsync(faulty, partition, "silo-a", FastRetries);
        var acked = new Dictionary<long, string>();
        for (var i = 0; i < 40; i++)
        {
            if (i % 8 == 0)
            {
                faulty.FailNext(1, operation, StorageFaultKind.LostResponse);
            }

            var batch = SampleBatches.Create($"r{i}", records: 2, valueSize: 300);
            acked[(await log.AppendAsync(batch)).BaseOffset] = SampleBatches.ContentHash(batch);
        }

        faulty.InjectedCount(StorageFaultKind.LostResponse, operation).Should().BeGreaterThan(0);
        log.Manifest.Segments.Count.Should().BeGreaterThan(3);
        await log.CloseAsync();
        await using var reopened = await PartitionLog.OpenAsync(await CreateStoreAsyncSameNamespace(faulty), partition, "silo-b", FastRetries);
        await AssertAcknowledgedAsync(reopened, acked);
    }

    [Fact]
    public async Task AppendAsync_RandomFaultsEverywhere_AcknowledgedSurviveWithoutDuplicates()
    {
        var inner = await CreateStoreAsync();
        var faulty = new FaultInjectingObjectStore(inner, new FaultInjectionOptions
        {
            Seed = 4242,
            Default = new FaultProbabilities(Unavailable: 0.04, Throttled: 0.02, LostResponse: 0.06),
        });
        var partition = NewPartition();
        var acked = new Dictionary<long, string>();
        var reopens = 0;
        var log = await OpenThroughFaultsAsync(faulty, partition);
        for (var wave = 0; wave < 60; wave++)
        {
            // Even waves go out concurrently (group commit packs them), odd waves one at a time (a block each).
            var batches = Enumerable.Range(0, 8).Select(i => SampleBatches.Create($"w{wave}-{i}", records: 1 + (i % 3), valueSize: 200)).ToArray();
            var appends = new Task<LogAppendResult>[batches.Length];
            for (var i = 0; i < batches.Length; i++)
            {
                appends[i] = log.AppendAsync(batches[i]);
                if (wave % 2 == 1)
                {
                    await Task.WhenAny(appends[i]);
                }
            }

            for (var i = 0; i < appends.Length; i++)
            {
                try
                {
                    acked[(await appends[i]).BaseOffset] = SampleBatches.ContentHash(batches[i]);
                }
                catch (RunnelException ex) when (ex.IsRetriable)
                {
                    // Not acknowledged: may or may not be in the log, but never twice.
                }
            }

            if (appends.Any(a => a.IsFaulted))
            {
                await log.DisposeAsync();
                log = await OpenThroughFaultsAsync(faulty, partition);
                reopens++;
            }
        }

        await log.DisposeAsync();
        faulty.TotalInjected.Should().BeGreaterThan(25, "the store must really have misbehaved");
        acked.Count.Should().BeGreaterThan(300);
        await using var clean = await PartitionLog.OpenAsync(inner, partition, "checker");
        await AssertAcknowledgedAsync(clean, acked);
        await AssertNoDuplicateContentAsync(clean);
        _ = reopens;
    }

    /// <summary>Opens through a faulty store, retrying takeovers that the faults break (as a grain reactivation would).</summary>
    private static async Task<PartitionLog> OpenThroughFaultsAsync(IObjectStore store, PartitionPaths partition)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await PartitionLog.OpenAsync(store, partition, "silo-a", FastRetries);
            }
            catch (RunnelException ex) when (ex.IsRetriable && attempt < 20)
            {
            }
        }
    }

    /// <summary>The faulty store's inner store: the same namespace without faults.</summary>
    private static Task<IObjectStore> CreateStoreAsyncSameNamespace(FaultInjectingObjectStore faulty) => Task.FromResult(faulty.Inner);

    private static async Task AssertAcknowledgedAsync(PartitionLog log, Dictionary<long, string> acked)
    {
        await AssertContiguousAsync(log);
        foreach (var (offset, hash) in acked)
        {
            var batch = SampleBatches.Split((await log.ReadAsync(offset, 1)).Batches)[0];
            SampleBatches.BaseOffset(batch).Should().Be(offset, $"the batch acknowledged at {offset} starts there");
            SampleBatches.ContentHash(batch).Should().Be(hash, $"the batch acknowledged at {offset} is unchanged");
        }
    }

    private static async Task AssertNoDuplicateContentAsync(PartitionLog log)
    {
        var seen = new HashSet<string>();
        var offset = log.LogStartOffset;
        while (offset < log.HighWatermark)
        {
            foreach (var batch in SampleBatches.Split((await log.ReadAsync(offset, 1 << 20)).Batches))
            {
                seen.Add(SampleBatches.ContentHash(batch)).Should().BeTrue($"the batch at {SampleBatches.BaseOffset(batch)} appears only once");
                offset = SampleBatches.BaseOffset(batch) + SampleBatches.RecordCount(batch);
            }
        }
    }
}
