using Runnel.Log.Batches;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Log.Tests;

public abstract partial class PartitionLogTests
{
    [Fact]
    public async Task TryAppend_PendingQueueFull_QueuesNothingUntilThereIsRoomAndKeepsTheCallersOrder()
    {
        var first = SampleBatches.Create("first");
        var gated = new AppendGatedStore(await CreateStoreAsync());
        var options = new PartitionLogOptions { MaxBatchBytes = first.Length, MaxPendingBytes = first.Length };
        await using var log = await PartitionLog.OpenAsync(gated, NewPartition(), "silo-a", options);
        gated.Close();

        log.TryAppend(RecordBatch.ValidateForAppend(first), out var a1).Should().BeTrue();
        await gated.Entered.WaitAsync(TimeSpan.FromSeconds(10)); // the writer took 'first' off the queue and is writing it
        log.TryAppend(RecordBatch.ValidateForAppend(SampleBatches.Create("secnd")), out var a2).Should().BeTrue("the queue is empty again");
        log.TryAppend(RecordBatch.ValidateForAppend(SampleBatches.Create("third")), out _).Should().BeFalse("'secnd' fills the queue");
        var room = log.WaitForAppendRoomAsync(first.Length);
        room.IsCompleted.Should().BeFalse();

        gated.Open();
        await room.WaitAsync(TimeSpan.FromSeconds(10));
        log.TryAppend(RecordBatch.ValidateForAppend(SampleBatches.Create("third")), out var a3).Should().BeTrue();
        var offsets = await Task.WhenAll(a1, a2, a3).WaitAsync(TimeSpan.FromSeconds(10));

        offsets.Select(o => o.BaseOffset).Should().Equal(0L, 3L, 6L);
        await AssertContiguousAsync(log);
        var read = await log.ReadAsync(0, 64 * 1024);
        SampleBatches.Split(read.Batches).Select(b => System.Text.Encoding.UTF8.GetString(b).Contains("third", StringComparison.Ordinal)).Should().Equal(false, false, true);
    }

    [Fact]
    public async Task TryAppend_BatchOverMaxBatchBytes_FaultedWithoutQueueing()
    {
        await using var log = await PartitionLog.OpenAsync(await CreateStoreAsync(), NewPartition(), "silo-a", new PartitionLogOptions { MaxBatchBytes = 1000 });

        log.TryAppend(RecordBatch.ValidateForAppend(SampleBatches.Create("big", records: 10, valueSize: 200)), out var append).Should().BeTrue();

        (await append.Invoking(a => a).Should().ThrowAsync<RecordBatchTooLargeException>()).Which.Code.Should().Be(RunnelErrorCode.RecordBatchTooLarge);
        log.HighWatermark.Should().Be(0);
    }

    /// <summary>Holds every append block while closed; <see cref="Entered"/> completes when the first one arrives at the closed gate.</summary>
    private sealed class AppendGatedStore(IObjectStore inner) : ForwardingObjectStore(inner)
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _open = NewOpen(true);

        public Task Entered => _entered.Task;

        public void Close() => _open = NewOpen(false);

        public void Open() => _open.TrySetResult();

        public override async ValueTask<AppendResult> AppendBlockAsync(string name, ReadOnlyMemory<byte> block, AppendCondition condition = default, CancellationToken cancellationToken = default)
        {
            var open = _open.Task;
            if (!open.IsCompleted)
            {
                _entered.TrySetResult();
            }

            await open.WaitAsync(cancellationToken);
            return await base.AppendBlockAsync(name, block, condition, cancellationToken);
        }

        private static TaskCompletionSource NewOpen(bool open)
        {
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (open)
            {
                source.TrySetResult();
            }

            return source;
        }
    }
}
