using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>
/// A consumer's <see cref="ConsumerOptions.IsolationLevel"/> against a real runnel-silo: transactional batches and markers
/// are written straight to the partition grain (as a coordinator and a transactional producer write them), and the
/// consumer reads them through the partition or, for sealed segments, from the store. read_committed never hands out an
/// aborted or open transaction's record and stops at the open one; read_uncommitted hands out every record; neither
/// hands out a marker.
/// </summary>
public sealed class IsolationLevelTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Consume_ReadCommittedSkipsAbortedAndStopsAtOpen_ReadUncommittedSeesAll(bool segmentStore)
    {
        await using var connection = await silo.ConnectAsync();
        var topic = RealGrainsTests.NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 1, new Dictionary<string, string> { ["segment.bytes"] = "16384" });
        var partition = connection.Grains.GetGrain<Grains.IPartitionGrain>(Grains.PartitionKey.Format(topic, 0));
        var ids = Random.Shared.NextInt64(1_000_000, 1_000_000_000);
        long a = ids, b = ids + 1, c = ids + 2;

        // Enough aborted records that they fill sealed segments, read from the store in the second case.
        for (var i = 0; i < 40; i++)
        {
            await partition.ProduceAsync(new Grains.ProduceRequest(Batch(a, sequence: i * 2, transactional: true, $"a{2 * i}", $"a{(2 * i) + 1}")));
        }

        await partition.ProduceAsync(new Grains.ProduceRequest(Batch(-1, 0, transactional: false, "p0")));
        await partition.ProduceAsync(new Grains.ProduceRequest(Batch(b, 0, transactional: true, "b0")));
        await partition.WriteTransactionMarkerAsync(new Grains.TransactionMarker(a, 0, Commit: false, CoordinatorEpoch: 1));
        await partition.WriteTransactionMarkerAsync(new Grains.TransactionMarker(b, 0, Commit: true, CoordinatorEpoch: 1));
        await partition.ProduceAsync(new Grains.ProduceRequest(Batch(-1, 0, transactional: false, "p1")));
        await partition.ProduceAsync(new Grains.ProduceRequest(Batch(c, 0, transactional: true, "c0")));
        await partition.ProduceAsync(new Grains.ProduceRequest(Batch(-1, 0, transactional: false, "p2")));

        var offsets = await partition.GetOffsetsAsync();
        offsets.LastStableOffset.Should().BeLessThan(offsets.HighWatermark, "c's transaction is open");

        var store = new SegmentReadTests.WatchedStore(new FileObjectStore(silo.DataDirectory));
        await using var direct = segmentStore ? await silo.ConnectAsync(store) : null;
        var reading = direct ?? connection;
        var options = ConsumerOptions.Default with { FetchMaxBytes = 4096, FetchMaxWait = TimeSpan.FromMilliseconds(100) };
        var uncommitted = await ConsumeAsync(reading, topic, options with { IsolationLevel = IsolationLevel.ReadUncommitted }, 85, settle: false);
        uncommitted.Should().Equal([.. Enumerable.Range(0, 80).Select(i => $"a{i}"), "p0", "b0", "p1", "c0", "p2"]);

        var committed = await ConsumeAsync(reading, topic, options, 3, settle: true);
        committed.Should().Equal(["p0", "b0", "p1"], "a aborted, and c is open: p2 waits behind it");
        if (segmentStore)
        {
            store.SegmentReads.Should().BePositive("sealed segments were read from the store");
        }

        // A group's lag says which isolation it is for: to the log end, and to the last stable offset.
        var group = "lag-" + topic;
        await connection.Admin.ResetOffsetsAsync(group, topic, OffsetResetSpec.ToEarliest());
        var lag = (await connection.Admin.DescribeGroupAsync(group)).Partitions.Single();
        (lag.LogEndOffset, lag.LastStableOffset).Should().Be((offsets.HighWatermark, offsets.LastStableOffset));
        lag.Lag.Should().Be(offsets.HighWatermark);
        lag.ReadCommittedLag.Should().Be(offsets.LastStableOffset, "a read_committed consumer can read up to the open transaction only");

        await partition.WriteTransactionMarkerAsync(new Grains.TransactionMarker(c, 0, Commit: true, CoordinatorEpoch: 1));
        var afterCommit = await ConsumeAsync(reading, topic, options, 5, settle: false);
        afterCommit.Should().Equal("p0", "b0", "p1", "c0", "p2");
    }

    /// <summary>Consumes from the beginning until <paramref name="count"/> records; with <paramref name="settle"/>, then
    /// goes on for a few more fetches to make sure nothing more arrives.</summary>
    private static async Task<List<string>> ConsumeAsync(RunnelConnection connection, string topic, ConsumerOptions options, int count, bool settle)
    {
        await using var consumer = connection.CreateConsumer<string, string>(options);
        consumer.Assign([new TopicPartitionOffset(topic, 0, Offset.Beginning)]);
        var values = new List<string>();
        using var cts = new CancellationTokenSource(Guard);
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            values.Add(record.Message.Value!.TrimEnd('.'));
            if (values.Count == count)
            {
                break;
            }
        }

        if (settle)
        {
            using var more = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await foreach (var record in consumer.ConsumeAsync(more.Token))
                {
                    values.Add(record.Message.Value!.TrimEnd('.'));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        return values;
    }

    private static byte[] Batch(long producerId, int sequence, bool transactional, params string[] values)
    {
        using var builder = new RecordBatchBuilder(new RecordBatchBuilderOptions
        {
            ProducerId = producerId,
            ProducerEpoch = producerId < 0 ? (short)-1 : (short)0,
            BaseSequence = producerId < 0 ? -1 : sequence,
            IsTransactional = transactional,
        });
        foreach (var value in values)
        {
            builder.TryAppend(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, System.Text.Encoding.UTF8.GetBytes(value.PadRight(200, '.'))).Should().BeTrue();
        }

        return builder.ToArray();
    }
}
