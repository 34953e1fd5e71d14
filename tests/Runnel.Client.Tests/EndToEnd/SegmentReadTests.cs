using System.Buffers.Binary;
using Runnel.Client.Tests.Infrastructure;
using Runnel.Storage;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>
/// Consumers that read sealed segments straight from the store (<see cref="RunnelConnectionOptions.SegmentStore"/>), against
/// a real runnel-silo on the file store: the records are the ones a fetch through the partition gives, at the same
/// offsets; a batch whose CRC does not check is fetched through the partition instead; and a segment deleted while it is
/// being read (DeleteRecords, as retention does) ends like a fetch of deleted records (reset to the log start), not in an
/// error.
/// </summary>
public sealed class SegmentReadTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>Small segments and batches, so a few hundred records make many sealed segments of several batches each.</summary>
    private static readonly Dictionary<string, string> SmallSegments = new() { ["segment.bytes"] = "16384" };

    private static string Value(int partition, int i) => $"p{partition}-r{i}-".PadRight(300, (char)('a' + (i % 26)));

    /// <summary>Produces <paramref name="count"/> records to each partition, in order; offset → value per partition.</summary>
    private static async Task<Dictionary<int, Dictionary<long, string>>> ProduceAsync(RunnelConnection connection, string topic, int partitions, int count)
    {
        var expected = new Dictionary<int, Dictionary<long, string>>();
        await using var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { BatchSize = 4096 });
        for (var p = 0; p < partitions; p++)
        {
            var tasks = Enumerable.Range(0, count).Select(i => producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Key = $"k{i}", Value = Value(p, i) })).ToList();
            var results = await Task.WhenAll(tasks).WaitAsync(Guard);
            expected[p] = results.ToDictionary(r => r.Offset, r => r.Message.Value!);
        }

        return expected;
    }

    private static async Task<List<(int Partition, long Offset, string Value)>> ConsumeAsync(RunnelConnection connection, string topic, int partitions, int records, ConsumerOptions options)
    {
        await using var consumer = connection.CreateConsumer<string, string>(options);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        using var cts = new CancellationTokenSource(Guard);
        var consumed = new List<(int, long, string)>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            consumed.Add((record.Partition, record.Offset, record.Message.Value!));
            if (consumed.Count == records)
            {
                break;
            }
        }

        return consumed;
    }

    [Fact]
    public async Task Consume_WithSegmentStore_SealedSegmentsReadFromTheStore_SameRecordsAsThroughThePartition()
    {
        await using var producing = await silo.ConnectAsync();
        var topic = RealGrainsTests.NewTopic();
        await producing.Admin.CreateTopicAsync(topic, 2, SmallSegments);
        var expected = await ProduceAsync(producing, topic, 2, 600);
        var store = new WatchedStore(new FileObjectStore(silo.DataDirectory));
        await using var direct = await silo.ConnectAsync(store);
        // A budget that is not a multiple of the batch size: fetches end inside segments and go on from there.
        var options = ConsumerOptions.Default with { FetchMaxBytes = 10_000, FetchMaxWait = TimeSpan.FromMilliseconds(50) };

        var fromStore = await ConsumeAsync(direct, topic, 2, 1200, options);
        var throughPartitions = await ConsumeAsync(producing, topic, 2, 1200, options);

        store.SegmentReads.Should().BeGreaterThan(20, "the sealed segments were read from the store");
        // The partitions interleave differently from run to run; each partition's sequence is what must match.
        fromStore.OrderBy(r => r.Partition).ThenBy(r => r.Offset).Should().Equal(throughPartitions.OrderBy(r => r.Partition).ThenBy(r => r.Offset));
        foreach (var p in new[] { 0, 1 })
        {
            var records = fromStore.Where(r => r.Partition == p).ToList();
            records.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, 600).Select(i => (long)i));
            records.Should().OnlyContain(r => r.Value == expected[p][r.Offset]);
        }
    }

    [Fact]
    public async Task Consume_StoreReturnsCorruptBatches_CrcCaught_TheBatchesFetchedThroughThePartition()
    {
        await using var producing = await silo.ConnectAsync();
        var topic = RealGrainsTests.NewTopic();
        await producing.Admin.CreateTopicAsync(topic, 1, SmallSegments);
        var expected = await ProduceAsync(producing, topic, 1, 300);
        var store = new WatchedStore(new FileObjectStore(silo.DataDirectory)) { Corrupt = true };
        await using var direct = await silo.ConnectAsync(store);

        var consumed = await ConsumeAsync(direct, topic, 1, 300, ConsumerOptions.Default with { FetchMaxBytes = 8192, FetchMaxWait = TimeSpan.FromMilliseconds(50) });

        store.SegmentReads.Should().BeGreaterThan(5, "every sealed segment read came back corrupt");
        consumed.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, 300).Select(i => (long)i));
        consumed.Should().OnlyContain(r => r.Value == expected[0][r.Offset], "a corrupt byte is caught by the CRC check, never handed out");
    }

    [Fact]
    public async Task Consume_SegmentDeletedWhileBeingRead_ResetsToTheNewLogStartLikeAFetch()
    {
        await using var producing = await silo.ConnectAsync();
        var topic = RealGrainsTests.NewTopic();
        await producing.Admin.CreateTopicAsync(topic, 1, SmallSegments);
        var expected = await ProduceAsync(producing, topic, 1, 400);
        // The third segment read waits at the gate until the records below 250 (and the segments wholly below) are gone.
        var store = new WatchedStore(new FileObjectStore(silo.DataDirectory)) { GateAtRead = 3 };
        await using var direct = await silo.ConnectAsync(store);
        var options = ConsumerOptions.Default with { FetchMaxBytes = 4096, FetchMaxWait = TimeSpan.FromMilliseconds(50), AutoOffsetReset = AutoOffsetReset.Earliest };
        await using var consumer = direct.CreateConsumer<string, string>(options);
        var tp = new TopicPartition(topic, 0);
        consumer.Assign([new TopicPartitionOffset(tp, Offset.Beginning)]);
        using var cts = new CancellationTokenSource(Guard);
        var consumed = new List<(long Offset, string Value)>();
        await using var records = consumer.ConsumeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = records.MoveNextAsync().AsTask(); // starts fetching; fetches run ahead of the application

        await store.Gated.WaitAsync(Guard);
        var gatedSegment = store.GatedSegment!;
        (await producing.Admin.DeleteRecordsAsync(tp, 250)).Should().Be(250);
        (await store.ExistsAsync(gatedSegment)).Should().BeFalse("the segment being read was wholly below the new log start");
        store.OpenGate();
        (await first).Should().BeTrue();
        consumed.Add((records.Current.Offset, records.Current.Message.Value!));
        while (consumed[^1].Offset < 399)
        {
            (await records.MoveNextAsync()).Should().BeTrue();
            consumed.Add((records.Current.Offset, records.Current.Message.Value!));
        }

        store.NotFound.Should().BeGreaterThan(0, "the gated read found its segment deleted");
        var before = consumed.TakeWhile(r => r.Offset < 250).ToList();
        before.Select(r => r.Offset).Should().Equal(Enumerable.Range(0, before.Count).Select(i => (long)i), "what was read before the deletion, in order");
        consumed.Skip(before.Count).Select(r => r.Offset).Should().Equal(Enumerable.Range(250, 150).Select(i => (long)i), "then on from the new log start");
        consumed.Should().OnlyContain(r => r.Value == expected[0][r.Offset]);
    }

    [Fact]
    public async Task Cli_DataDir_ConsumesThroughTheStore_AndANonStoreDirectoryIsNamedInTheError()
    {
        var topic = RealGrainsTests.NewTopic();
        (await CliRunner.RunAsync(silo.Bootstrap, "", "topics", "create", topic, "--partitions", "1", "--config", "segment.bytes=16384")).Code.Should().Be(0);
        var lines = string.Concat(Enumerable.Range(0, 200).Select(i => $"record-{i}-{new string('x', 200)}\n"));
        (await CliRunner.RunAsync(silo.Bootstrap, lines, "produce", topic)).Code.Should().Be(0);

        var consumed = await CliRunner.RunAsync(silo.Bootstrap, "", "--data-dir", silo.DataDirectory, "consume", topic, "--from-beginning", "--max-messages", "200");
        using var empty = new TempDirectory("runnel-not-a-store");
        var wrong = await CliRunner.RunAsync(silo.Bootstrap, "", "--data-dir", empty.Path, "topics", "list");

        consumed.Code.Should().Be(0, consumed.Err);
        consumed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(Enumerable.Range(0, 200).Select(i => $"record-{i}-{new string('x', 200)}"));
        wrong.Code.Should().NotBe(0);
        wrong.Err.Should().Contain("--data-dir").And.Contain(empty.Path).And.Contain("not a runnel-silo data directory");
    }

    /// <summary>The client's view of the silo's store: counts segment reads; can hold one at a gate, or corrupt a byte
    /// inside every batch it returns.</summary>
    internal sealed class WatchedStore(IObjectStore inner) : ForwardingObjectStore(inner)
    {
        private readonly TaskCompletionSource _gated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;
        private int _notFound;

        public int SegmentReads => Volatile.Read(ref _reads);

        public int NotFound => Volatile.Read(ref _notFound);

        /// <summary>Corrupt one byte in the records of every batch read.</summary>
        public bool Corrupt { get; init; }

        /// <summary>The segment read (1-based) to hold until <see cref="OpenGate"/>; 0 for none.</summary>
        public int GateAtRead { get; init; }

        public string? GatedSegment { get; private set; }

        /// <summary>Completes when the gated read arrived.</summary>
        public Task Gated => _gated.Task;

        public void OpenGate() => _open.TrySetResult();

        public async Task<bool> ExistsAsync(string name) => await Inner.TryGetAsync(name, new ByteRange(0, 1)) is not null;

        public override async ValueTask<BlobContent> GetPooledAsync(string name, ByteRange range, CancellationToken cancellationToken = default)
        {
            if (!name.EndsWith(".log", StringComparison.Ordinal))
            {
                return await Inner.GetPooledAsync(name, range, cancellationToken);
            }

            if (Interlocked.Increment(ref _reads) == GateAtRead)
            {
                GatedSegment = name;
                _gated.TrySetResult();
                await _open.Task.WaitAsync(cancellationToken);
            }

            BlobContent content;
            try
            {
                content = await Inner.GetPooledAsync(name, range, cancellationToken);
            }
            catch (BlobNotFoundException)
            {
                Interlocked.Increment(ref _notFound);
                throw;
            }

            return Corrupt ? content with { Content = CorruptEveryBatch(content.Content) } : content;
        }

        private static byte[] CorruptEveryBatch(ReadOnlyMemory<byte> data)
        {
            var copy = data.ToArray();
            for (var at = 0; at + 12 <= copy.Length;)
            {
                var size = 12 + BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(at + 8));
                if (at + size > copy.Length)
                {
                    break;
                }

                copy[at + size - 2] ^= 0x01; // the last record's last value byte (its header count follows): under the CRC
                at += size;
            }

            return copy;
        }
    }
}
