using Runnel.Grains;
using Runnel.Log.Batches;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>The log's transaction bookkeeping: an open transaction holds the last stable offset back, a marker moves it,
/// an abort is listed for read_committed readers, read_committed reads stop below the last stable offset, and all of it
/// survives a takeover after a crash (from the manifest, the tail checkpoint or a full scan) and a clean hand-over.</summary>
public abstract partial class PartitionLogTests
{
    [Fact]
    public async Task Transactions_OpenTransactionHoldsTheLastStableOffset_UntilItsMarker()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        await log.AppendAsync(SampleBatches.Create("before", records: 2));                    // 0-1
        var first = await log.AppendAsync(TransactionalBatch(7, sequence: 0, records: 3));   // 2-4
        await log.AppendAsync(SampleBatches.Create("plain", records: 2));                     // 5-6
        await log.AppendAsync(TransactionalBatch(7, sequence: 3, records: 1));               // 7

        first.BaseOffset.Should().Be(2);
        log.HighWatermark.Should().Be(8);
        log.LastStableOffset.Should().Be(2, "producer 7's transaction is open from offset 2");
        log.HasOpenTransaction(7).Should().BeTrue();

        var marker = await log.AppendAsync(Marker(7, commit: true));                          // 8

        marker.BaseOffset.Should().Be(8);
        log.LastStableOffset.Should().Be(9);
        log.HasOpenTransaction(7).Should().BeFalse();
        log.AbortedTransactions(0, 9).Should().BeEmpty("a commit is not an abort");
    }

    [Fact]
    public async Task Transactions_Abort_IsListedForTheRangeItCovers_AndTheOldestOpenOneSetsTheStableOffset()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        await log.AppendAsync(TransactionalBatch(7, 0, records: 2));   // 0-1 producer 7
        await log.AppendAsync(TransactionalBatch(8, 0, records: 2));   // 2-3 producer 8
        await log.AppendAsync(TransactionalBatch(7, 2, records: 1));   // 4
        log.LastStableOffset.Should().Be(0);

        await log.AppendAsync(Marker(7, commit: false));               // 5: abort 7

        log.LastStableOffset.Should().Be(2, "producer 8's transaction is still open from offset 2");
        log.AbortedTransactions(0, 6).Should().Equal(new AbortedTransaction(7, 0, 5));
        log.AbortedTransactions(6, 10).Should().BeEmpty("the abort ends at offset 5");

        await log.AppendAsync(Marker(8, commit: true));                // 6
        log.LastStableOffset.Should().Be(7);
    }

    [Fact]
    public async Task Transactions_ReadCommitted_ReturnsOnlyBatchesBelowTheStableOffset_WithTheAbortedOnes()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        await log.AppendAsync(TransactionalBatch(7, 0, records: 2));   // 0-1
        await log.AppendAsync(Marker(7, commit: false));               // 2
        await log.AppendAsync(SampleBatches.Create("plain", records: 2)); // 3-4
        await log.AppendAsync(TransactionalBatch(8, 0, records: 2));   // 5-6 open
        await log.AppendAsync(SampleBatches.Create("after", records: 1)); // 7

        var committed = await log.ReadPooledAsync(0, 1 << 20, IsolationLevel.ReadCommitted);
        var uncommitted = await log.ReadPooledAsync(0, 1 << 20, IsolationLevel.ReadUncommitted);

        SampleBatches.Split(committed.Batches).Select(b => SampleBatches.BaseOffset(b)).Should().Equal(0, 2, 3);
        committed.LastStableOffset.Should().Be(5);
        committed.AbortedTransactions.Should().Equal(new AbortedTransaction(7, 0, 2));
        SampleBatches.Split(uncommitted.Batches).Select(b => SampleBatches.BaseOffset(b)).Should().Equal(0, 2, 3, 5, 7);
        uncommitted.AbortedTransactions.Should().BeEmpty("read_uncommitted readers are not told of aborts");
        (await log.ReadPooledAsync(5, 1 << 20, IsolationLevel.ReadCommitted)).Batches.IsEmpty.Should().BeTrue("offset 5 is the stable offset");
    }

    [Fact]
    public async Task Transactions_WaitForStableOffset_CompletesWhenTheMarkerIsDurable()
    {
        var store = await CreateStoreAsync();
        await using var log = await PartitionLog.OpenAsync(store, NewPartition(), "silo-a");
        await log.AppendAsync(TransactionalBatch(7, 0, records: 2));
        var wait = log.WaitForStableOffsetAsync(0, CancellationToken.None);
        await log.AppendAsync(SampleBatches.Create("plain"));
        wait.IsCompleted.Should().BeFalse("the transaction is still open");

        await log.AppendAsync(Marker(7, commit: true));

        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public enum TransactionRecovery
    {
        FullScan,
        TailCheckpoint,
        ManifestAfterRoll,
        CleanHandOver,
    }

    [Theory]
    [InlineData(TransactionRecovery.FullScan)]
    [InlineData(TransactionRecovery.TailCheckpoint)]
    [InlineData(TransactionRecovery.ManifestAfterRoll)]
    [InlineData(TransactionRecovery.CleanHandOver)]
    public async Task Transactions_SurviveATakeover(TransactionRecovery recovery)
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var options = recovery switch
        {
            TransactionRecovery.FullScan => new PartitionLogOptions { CheckpointIntervalBlocks = 0 },
            TransactionRecovery.TailCheckpoint => new PartitionLogOptions { CheckpointIntervalBlocks = 1 },
            TransactionRecovery.ManifestAfterRoll => new PartitionLogOptions { CheckpointIntervalBlocks = 0, SegmentBytes = 1024 },
            _ => new PartitionLogOptions(),
        };
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", options);
        await log.AppendAsync(TransactionalBatch(7, 0, records: 2));          // 0-1 producer 7, aborted below
        await log.AppendAsync(TransactionalBatch(8, 0, records: 2));          // 2-3 producer 8, left open
        await log.AppendAsync(Marker(7, commit: false));                      // 4
        for (var i = 0; i < 12; i++)
        {
            await log.AppendAsync(TransactionalBatch(9, i, records: 1));     // 5-16 producer 9, committed below
        }

        await log.AppendAsync(Marker(9, commit: true));                       // 17
        await log.AppendAsync(SampleBatches.Create("tail", records: 1));     // 18
        if (recovery == TransactionRecovery.ManifestAfterRoll)
        {
            log.Manifest.Segments.Count.Should().BeGreaterThanOrEqualTo(2, "small segments rolled");
        }

        var expected = log.Transactions;
        expected.Open.Should().Equal(new OpenTransaction(8, 2));
        if (recovery == TransactionRecovery.CleanHandOver)
        {
            await log.CloseAsync();
        }

        await log.DisposeAsync(); // without a close first: a crash
        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", options);

        reopened.HighWatermark.Should().Be(19);
        reopened.LastStableOffset.Should().Be(2, "producer 8's transaction is still open");
        reopened.HasOpenTransaction(8).Should().BeTrue();
        reopened.HasOpenTransaction(9).Should().BeFalse();
        reopened.AbortedTransactions(0, 19).Should().Equal(new AbortedTransaction(7, 0, 4));
        reopened.Transactions.Should().BeEquivalentTo(expected with { AsOf = 19 });

        // And it goes on from there: the open transaction ends with its marker.
        await reopened.AppendAsync(Marker(8, commit: false));
        reopened.LastStableOffset.Should().Be(20);
        reopened.AbortedTransactions(0, 20).Should().Equal(new AbortedTransaction(7, 0, 4), new AbortedTransaction(8, 2, 19));
        reopened.AbortedTransactions(5, 20).Should().Equal([new AbortedTransaction(8, 2, 19)], "producer 7's abort ended at offset 4");
    }

    private static byte[] TransactionalBatch(long producerId, int sequence, int records)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = sequence, IsTransactional = true });
        for (var i = 0; i < records; i++)
        {
            builder.TryAppend(1_000 + i, null, new byte[40]).Should().BeTrue();
        }

        return builder.ToArray();
    }

    private static byte[] Marker(long producerId, bool commit)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { ProducerId = producerId, ProducerEpoch = 0, IsTransactional = true, IsControlBatch = true });
        builder.AppendControlRecord(2_000, commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch: 3);
        return builder.ToArray();
    }
}
