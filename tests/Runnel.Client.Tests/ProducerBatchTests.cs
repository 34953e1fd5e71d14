using Runnel.Client.Internal;
using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Client.Tests;

/// <summary>A sealed batch's bytes live in a pooled buffer from <see cref="ProducerBatch.Seal"/> to
/// <see cref="ProducerBatch.ReleasePayload"/>.</summary>
public sealed class ProducerBatchTests
{
    private sealed class NoHandler : IDeliveryHandler
    {
        public void OnDelivered(TopicPartition partition, long offset, long timestamp, RunnelException? error)
        {
        }
    }

    private static ProducerBatch Batch(int records)
    {
        var queue = new PartitionQueue(new TopicState("t"), new TopicPartition("t", 0), null!);
        var batch = new ProducerBatch(queue, new RecordBatchBuilderOptions(), createdAt: 0);
        for (var i = 0; i < records; i++)
        {
            batch.TryAppend(new ProducerRecord("t", 0, null, (ReadOnlyMemory<byte>)new byte[100 + i], [], 1_700_000_000_000 + i, new NoHandler()), batchSize: 1 << 20).Should().BeTrue();
        }

        return batch;
    }

    [Fact]
    public void Seal_WithIdentity_PayloadIsOneValidBatchCarryingTheProducerAndSequence()
    {
        var batch = Batch(5);

        batch.Seal(new ProducerIdentity(42, 3), baseSequence: 17);

        RecordBatch.Validate(batch.Payload.Span);
        var header = RecordBatchHeader.Read(batch.Payload.Span);
        header.RecordCount.Should().Be(5);
        (header.ProducerId, header.ProducerEpoch, header.BaseSequence).Should().Be((42L, (short)3, 17));
        batch.BaseSequence.Should().Be(17);
    }

    [Fact]
    public void ReleasePayload_AfterSeal_DropsThePayloadAndIsIdempotent()
    {
        var batch = Batch(2);
        batch.Seal(identity: null, baseSequence: -1);
        batch.Payload.Length.Should().BeGreaterThan(RecordBatch.HeaderSize);

        batch.ReleasePayload();
        batch.ReleasePayload();

        batch.Payload.IsEmpty.Should().BeTrue("the buffer went back to the pool: the batch no longer points at it");
    }
}
