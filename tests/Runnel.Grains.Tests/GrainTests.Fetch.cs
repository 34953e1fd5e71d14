using Runnel.Grains.Tests.Infrastructure;

namespace Runnel.Grains.Tests;

public abstract partial class GrainTests
{
    [Fact]
    public async Task Fetch_LongPollAtTheEnd_ReturnsWhenDataArrives()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("first", records: 1)));

        // Waits far longer than the test takes: only the produce below can complete it.
        var fetch = partition.FetchAsync(new FetchRequest(1, 1024, TimeSpan.FromMinutes(4))).AsTask();
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("second", records: 2)));
        var fetched = await fetch;

        TestBatches.Records(fetched.Batches).Should().Equal((1, "second-0"), (2, "second-1"));
        fetched.HighWatermark.Should().Be(3);
    }

    [Fact]
    public async Task Fetch_LongPollWithNoData_AnswersEmptyAfterMaxWait()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("only", records: 2)));

        var fetched = await partition.FetchAsync(new FetchRequest(2, 1024, TimeSpan.FromMilliseconds(100)));

        fetched.Batches.Length.Should().Be(0);
        fetched.HighWatermark.Should().Be(2);
    }

    [Fact]
    public async Task Fetch_LongPollsWaiting_DoNotHoldUpOtherCalls()
    {
        await CreateTopicAsync("t", 1);
        var partition = Cluster.Partition("t", 0);
        var polls = Enumerable.Range(0, 4).Select(_ => partition.FetchAsync(new FetchRequest(0, 1024, TimeSpan.FromMinutes(4))).AsTask()).ToArray();

        var offsets = await partition.GetOffsetsAsync();
        var produced = await partition.ProduceAsync(new ProduceRequest(TestBatches.Create("wake", records: 1)));
        var fetched = await Task.WhenAll(polls);

        offsets.HighWatermark.Should().Be(0);
        produced.BaseOffset.Should().Be(0);
        fetched.Should().OnlyContain(f => f.HighWatermark == 1 && f.Batches.Length > 0);
    }

    [Fact]
    public async Task Fetch_ColdReadsInParallel_EveryResponseIntact()
    {
        // No tail cache: every fetch is a store read (into a pooled buffer on the file store) that its response carries.
        // A buffer returned to the pool before its response was sent, and rented again by another read, would show as
        // another fetch's bytes.
        await UseOwnClusterAsync(o => o.PartitionLog = o.PartitionLog with { TailCacheBytes = 0 });
        await Cluster.Topic("cold").CreateAsync(1, null);
        var partition = Cluster.Partition("cold", 0);
        const int batches = 24;
        for (var i = 0; i < batches; i++)
        {
            await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"b{i}", records: 2, valueSize: 20_000)));
        }

        var readers = Enumerable.Range(0, 6).Select(reader => Task.Run(async () =>
        {
            for (var round = 0; round < 20; round++)
            {
                var batch = (reader * 7 + round * 5) % batches;
                var fetched = await partition.FetchAsync(new FetchRequest(batch * 2, 30_000, TimeSpan.Zero));
                var records = TestBatches.Records(fetched.Batches).Select(r => (r.Offset, r.Value.TrimEnd('.'))).ToList();
                records.Take(2).Should().Equal([(batch * 2L, $"b{batch}-0"), (batch * 2L + 1, $"b{batch}-1")], "fetch of batch {0} by reader {1}, round {2}", batch, reader, round);
            }
        })).ToArray();

        await Task.WhenAll(readers);
    }

    [Fact]
    public async Task Fetch_TailReadsWhileProducing_EveryResponseIntact()
    {
        // A small tail cache: fetches at the end are answered from pooled append blocks while new blocks evict old
        // ones. A block returned to the pool while a response still held it would come back as a later block's bytes,
        // or fail the fetch when touched.
        await UseOwnClusterAsync(o => o.PartitionLog = o.PartitionLog with { TailCacheBytes = 128 * 1024 });
        await Cluster.Topic("hot").CreateAsync(1, null);
        var partition = Cluster.Partition("hot", 0);
        const int batches = 120;
        var produced = 0L;
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < batches; i++)
            {
                await partition.ProduceAsync(new ProduceRequest(TestBatches.Create($"b{i}", records: 2, valueSize: 20_000)));
                Volatile.Write(ref produced, i + 1);
            }
        });

        var readers = Enumerable.Range(0, 4).Select(reader => Task.Run(async () =>
        {
            var rounds = 0;
            while (!producer.IsCompleted || rounds == 0)
            {
                var last = Volatile.Read(ref produced) - 1;
                if (last < 0)
                {
                    await Task.Delay(1);
                    continue;
                }

                var batch = Math.Max(0, last - reader);
                var fetched = await partition.FetchAsync(new FetchRequest(batch * 2, 100_000, TimeSpan.Zero));
                var records = TestBatches.Records(fetched.Batches).Select(r => (r.Offset, r.Value.TrimEnd('.'))).ToList();
                records.Take(2).Should().Equal([(batch * 2L, $"b{batch}-0"), (batch * 2L + 1, $"b{batch}-1")], "fetch of batch {0} by reader {1}, round {2}", batch, reader, rounds);
                rounds++;
            }
        })).ToArray();

        await producer;
        await Task.WhenAll(readers);
    }
}
