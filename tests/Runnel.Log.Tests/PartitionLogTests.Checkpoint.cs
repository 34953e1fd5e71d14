using Runnel.Log.Batches;
using Runnel.Log.Internal;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

/// <summary>Takeover from the previous owner's tail checkpoint: it must recover exactly what a full scan recovers
/// (every acknowledged batch, the torn tail cut, each producer's recent batches), and a checkpoint that does not match
/// the stored bytes must only cost time.</summary>
public abstract partial class PartitionLogTests
{
    private static readonly PartitionLogOptions Checkpointing = new() { CheckpointIntervalBlocks = 3, IndexIntervalBytes = 256 };

    public enum CheckpointDamage
    {
        PastTheTail,
        WrongOffsets,
        NotABatchBoundary,
        OtherSegment,
        OtherIncarnation,
        Garbage,
    }

    [Fact]
    public async Task OpenAsync_FromTailCheckpoint_RecoversEveryAckedBatchAndEachProducersRecentBatches()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var (segment, acked) = await WriteAndAbandonAsync(store, partition, batches: 40);
        var checkpoint = await ReadCheckpointAsync(store, partition);
        checkpoint.Segment.Should().Be(segment);
        var length = (await store.GetPropertiesAsync(segment)).Length;
        checkpoint.Position.Should().BeInRange(1, length - 1, "a block was written after the last checkpoint");

        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", Checkpointing);

        reopened.RecoveredFromCheckpoint.Should().BeTrue();
        AssertRecovered(reopened, acked, length);
        var tail = reopened.RecoveredTail.Select(b => b.BaseOffset).ToList();
        tail.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        tail.Should().Contain(acked.Where(a => a.Position >= checkpoint.Position).Select(a => a.BaseOffset), "every batch after the checkpoint is replayed");
        foreach (var producer in acked.GroupBy(a => a.ProducerId))
        {
            tail.Should().Contain(producer.TakeLast(5).Select(a => a.BaseOffset), $"producer {producer.Key}'s last 5 batches rebuild its state");
        }

        await AssertEveryBatchReadableAtItsOffsetAsync(reopened, acked);
    }

    [Fact]
    public async Task OpenAsync_TornTailAfterTailCheckpoint_IsCutAndAckedKept()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var (segment, acked) = await WriteAndAbandonAsync(store, partition, batches: 10);
        var length = (await store.GetPropertiesAsync(segment)).Length;
        var torn = SampleBatches.Create("torn");
        await store.AppendBlockAsync(segment, torn.AsMemory(0, torn.Length / 2)); // a write that never completed

        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", Checkpointing);

        reopened.RecoveredFromCheckpoint.Should().BeTrue();
        AssertRecovered(reopened, acked, length);
        (await reopened.AppendAsync(SampleBatches.Create("next"))).BaseOffset.Should().Be(acked[^1].LastOffset + 1);
        await AssertContiguousAsync(reopened);
    }

    [Theory]
    [InlineData(CheckpointDamage.PastTheTail)]
    [InlineData(CheckpointDamage.WrongOffsets)]
    [InlineData(CheckpointDamage.NotABatchBoundary)]
    [InlineData(CheckpointDamage.OtherSegment)]
    [InlineData(CheckpointDamage.OtherIncarnation)]
    [InlineData(CheckpointDamage.Garbage)]
    public async Task OpenAsync_TailCheckpointNotMatchingTheSegment_IsIgnoredAndWholeSegmentScanned(CheckpointDamage damage)
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        var (segment, acked) = await WriteAndAbandonAsync(store, partition, batches: 12);
        var length = (await store.GetPropertiesAsync(segment)).Length;
        var checkpoint = await ReadCheckpointAsync(store, partition);
        var last = checkpoint.LastBatch;
        var bad = damage switch
        {
            // A checkpoint claiming more than was sealed (e.g. bytes the store never acknowledged).
            CheckpointDamage.PastTheTail => (checkpoint with { Position = length + last.Size, LastBatch = last with { Position = length } }).Serialize(),
            // The right place, but another history's offsets.
            CheckpointDamage.WrongOffsets => (checkpoint with { LastBatch = last with { BaseOffset = last.BaseOffset + 1, LastOffset = last.LastOffset + 1 } }).Serialize(),
            CheckpointDamage.NotABatchBoundary => (checkpoint with { Position = checkpoint.Position - 1, LastBatch = last with { Size = last.Size - 1 } }).Serialize(),
            CheckpointDamage.OtherSegment => (checkpoint with { Segment = partition.Segment(0, 0) }).Serialize(),
            // Same segment name and bytes, but written under another manifest (e.g. before the topic was recreated).
            CheckpointDamage.OtherIncarnation => (checkpoint with { ManifestWriteId = Guid.NewGuid().ToString("N") }).Serialize(),
            _ => "not a checkpoint"u8.ToArray(),
        };
        await store.PutAsync(partition.TailCheckpoint, bad);

        await using var reopened = await PartitionLog.OpenAsync(store, partition, "silo-b", Checkpointing);

        reopened.RecoveredFromCheckpoint.Should().BeFalse();
        AssertRecovered(reopened, acked, length);
        reopened.RecoveredTail.Select(b => b.BaseOffset).Should().Equal(acked.Select(a => a.BaseOffset), "the whole segment was scanned");
        await AssertEveryBatchReadableAtItsOffsetAsync(reopened, acked);
    }

    [Fact]
    public async Task OpenAsync_TailCheckpointOfASegmentSealedByAnEarlierTakeover_IsNotUsed()
    {
        var store = await CreateStoreAsync();
        var partition = NewPartition();
        await WriteAndAbandonAsync(store, partition, batches: 7);
        var second = await PartitionLog.OpenAsync(store, partition, "silo-b", Checkpointing with { CheckpointIntervalBlocks = 0 });
        var more = await second.AppendAsync(ProducerBatch(producerId: 9, sequence: 0, timestamp: 5));
        await second.DisposeAsync();

        await using var third = await PartitionLog.OpenAsync(store, partition, "silo-c", Checkpointing);

        third.RecoveredFromCheckpoint.Should().BeFalse("the checkpoint names the first owner's segment");
        third.HighWatermark.Should().Be(more.LastOffset + 1);
        third.RecoveredTail.Select(b => b.BaseOffset).Should().Equal(more.BaseOffset);
        await AssertContiguousAsync(third);
    }

    /// <summary>Appends single-batch blocks from three producers with the checkpoint on, then abandons the log (a
    /// crash after the last checkpoint write), then appends one more block straight to the store. Returns the segment
    /// and every batch it holds, in order.</summary>
    private async Task<(string Segment, List<BatchSummary> Acked)> WriteAndAbandonAsync(IObjectStore store, PartitionPaths partition, int batches)
    {
        var log = await PartitionLog.OpenAsync(store, partition, "silo-a", Checkpointing);
        var acked = new List<BatchSummary>();
        var sequences = new int[3];
        long position = 0;
        for (var i = 0; i < batches; i++)
        {
            var producer = i % 3;
            var batch = ProducerBatch(producer, sequences[producer]++, timestamp: 1_000 + i);
            var result = await log.AppendAsync(batch);
            acked.Add(new BatchSummary(result.BaseOffset, result.LastOffset, position, batch.Length, 1_000 + i, producer, 0, sequences[producer] - 1));
            position += batch.Length;
        }

        var segment = log.Manifest.Segments[^1].Name;
        await log.DisposeAsync();

        // One more block the store took but whose acknowledgement the crash lost: after any checkpoint, still in the log.
        var unacked = ProducerBatch(0, sequences[0], timestamp: 1_000 + batches);
        RecordBatch.SetBaseOffset(unacked, acked[^1].LastOffset + 1);
        await store.AppendBlockAsync(segment, unacked, AppendCondition.AtPosition(position));
        acked.Add(new BatchSummary(acked[^1].LastOffset + 1, acked[^1].LastOffset + 1, position, unacked.Length, 1_000 + batches, 0, 0, sequences[0]));
        return (segment, acked);
    }

    private static async Task<TailCheckpoint> ReadCheckpointAsync(IObjectStore store, PartitionPaths partition)
    {
        var blob = await store.TryGetAsync(partition.TailCheckpoint);
        blob.Should().NotBeNull("the owner wrote a checkpoint every 3 blocks");
        return TailCheckpoint.TryDeserialize(blob!.Content.Span) ?? throw new InvalidOperationException("The stored checkpoint does not parse.");
    }

    private static void AssertRecovered(PartitionLog log, List<BatchSummary> acked, long sealedLength)
    {
        log.HighWatermark.Should().Be(acked[^1].LastOffset + 1);
        var sealedSegment = log.Manifest.Segments[^2];
        sealedSegment.LastOffset.Should().Be(acked[^1].LastOffset);
        sealedSegment.SealedLength.Should().Be(sealedLength);
        sealedSegment.MaxTimestamp.Should().Be(acked.Max(a => a.MaxTimestamp));
    }

    private static async Task AssertEveryBatchReadableAtItsOffsetAsync(PartitionLog log, List<BatchSummary> acked)
    {
        foreach (var batch in acked)
        {
            var read = SampleBatches.Split((await log.ReadAsync(batch.BaseOffset, 1)).Batches);
            read.Should().NotBeEmpty();
            SampleBatches.BaseOffset(read[0]).Should().Be(batch.BaseOffset);
        }

        (await log.OffsetForTimestampAsync(acked[^1].MaxTimestamp)).Should().Be(acked[^1].BaseOffset);
    }

    private static byte[] ProducerBatch(long producerId, int sequence, long timestamp)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions { ProducerId = producerId, ProducerEpoch = 0, BaseSequence = sequence });
        builder.TryAppend(timestamp, null, new byte[40]).Should().BeTrue();
        return builder.ToArray();
    }
}
