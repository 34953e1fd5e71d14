using System.Collections.Concurrent;
using System.Globalization;
using Runnel.Client;
using Runnel.Grains;
using Runnel.Storage;
using Runnel.TestingHost;

namespace Runnel.EndToEnd.Tests;

/// <summary>
/// The product end to end: a 3-silo cluster in one process (loopback TCP, one shared store) hosting the real topic and
/// partition grains, driven by the client library. Subclasses name the store (<c>File</c>, <c>Azurite</c>). Every test
/// records each acknowledgement and checks the invariants over the whole history: every acknowledged record is at its
/// acknowledged offset, nothing appears twice, and each key's records are in produce order.
/// </summary>
public abstract class EndToEndTests
{
    private const string ValueSeparator = "|";

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    [Fact]
    public async Task KeyedRecords_FourProducersOverEightPartitionsWithLostResponses_AllConsumedInKeyOrderWithoutDuplicates()
    {
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0.2);
        await using var client = await cluster.ConnectClientAsync();
        await new Admin(client).CreateTopicAsync("orders", 8);

        var acked = await ProduceAsync(client, "orders", producers: 4, recordsPerProducer: 25_000, keys: 500);

        acked.Count.Should().Be(100_000);
        cluster.Silos.Sum(s => s.StoreFaults.InjectedCount(StorageFaultKind.LostResponse)).Should().BeGreaterThan(0, "lost responses must really have been injected");
        await AssertConsumedAsync(client, "orders", 8, acked);
    }

    [Fact]
    public async Task Produce_SiloKilledMidProduce_NoAcknowledgedRecordLost()
    {
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0);
        await using var client = await cluster.ConnectClientAsync();
        await new Admin(client).CreateTopicAsync("kills", 8);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var producing = ProduceAsync(client, "kills", producers: 2, recordsPerProducer: 10_000, keys: 100, onAcked: count =>
        {
            if (count >= 5_000)
            {
                halfway.TrySetResult();
            }
        });
        await halfway.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var victim = cluster.RunningSilos[1];
        await cluster.KillSiloAsync(victim);
        var acked = await producing.WaitAsync(TimeSpan.FromSeconds(180));

        acked.Count.Should().Be(20_000, "every record is acknowledged in the end: retries move to the surviving owners");
        await AssertConsumedAsync(client, "kills", 8, acked);
    }

    [Fact]
    public async Task Topics_CreateDescribeAlterDelete_ThroughTheCluster()
    {
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0);
        await using var client = await cluster.ConnectClientAsync();
        var admin = new Admin(client);

        var created = await admin.CreateTopicAsync("t1", 3, new Dictionary<string, string> { ["retention.ms"] = "60000" });
        var altered = await admin.AlterTopicConfigAsync("t1", new Dictionary<string, string?> { ["max.message.bytes"] = "2048" });
        var listed = await admin.ListTopicsAsync();
        var duplicate = () => admin.CreateTopicAsync("t1", 1);
        var badName = () => admin.CreateTopicAsync("no/slash", 1);
        var badKey = () => admin.CreateTopicAsync("t2", 1, new Dictionary<string, string> { ["no.such.key"] = "1" });

        created.PartitionCount.Should().Be(3);
        created.Config["retention.ms"].Should().Be("60000");
        altered.Config["max.message.bytes"].Should().Be("2048");
        listed.Should().Contain("t1");
        (await duplicate.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.TopicAlreadyExists);
        (await badName.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.InvalidTopicName);
        (await badKey.Should().ThrowAsync<RunnelException>()).Which.Message.Should().Contain("no.such.key");
        await admin.DeleteTopicAsync("t1");
        (await admin.ListTopicsAsync()).Should().NotContain("t1");
        var gone = () => admin.DescribeTopicAsync("t1");
        (await gone.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic);
    }

    private async Task<InProcessTestCluster> StartClusterAsync(double lostResponseProbability)
    {
        var store = await CreateStoreAsync();
        return await InProcessTestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 3,
            Store = store,
            ConfigureSilo = silo => silo.AddRunnelGrains(),
            StoreFaults = index => lostResponseProbability == 0 ? null : new FaultInjectionOptions
            {
                Seed = 1000 + index,
                Probabilities = new Dictionary<StorageOperation, FaultProbabilities>
                {
                    [StorageOperation.AppendBlock] = new(LostResponse: lostResponseProbability),
                },
            },
        });
    }

    /// <summary>Runs <paramref name="producers"/> idempotent producers at once, each writing keyed records whose value
    /// names (producer, key, per-key sequence); returns every acknowledgement: value → (partition, offset).</summary>
    private static async Task<ConcurrentDictionary<string, (int Partition, long Offset)>> ProduceAsync(
        IGrainFactory grains, string topic, int producers, int recordsPerProducer, int keys, Action<int>? onAcked = null)
    {
        var acked = new ConcurrentDictionary<string, (int, long)>();
        var failures = new ConcurrentQueue<Exception>();
        var count = 0;
        await Task.WhenAll(Enumerable.Range(0, producers).Select(async p =>
        {
            await using var producer = new Producer<string, string>(grains, ProducerOptions.Default with { Linger = TimeSpan.FromMilliseconds(2), RetryBackoff = TimeSpan.FromMilliseconds(20) });
            var perKey = new int[keys];
            for (var i = 0; i < recordsPerProducer; i++)
            {
                var key = (i % keys).ToString(CultureInfo.InvariantCulture);
                var value = string.Join(ValueSeparator, p, key, perKey[i % keys]++);
                await producer.EnqueueAsync(topic, new Message<string, string> { Key = "k" + key, Value = value }, report =>
                {
                    if (report.Error is { } error)
                    {
                        failures.Enqueue(error);
                        return;
                    }

                    acked[value] = (report.TopicPartition.Partition, report.Offset);
                    onAcked?.Invoke(Interlocked.Increment(ref count));
                });
            }

            await producer.FlushAsync();
        }));
        failures.Should().BeEmpty("idempotent retries must absorb lost responses and owner changes");
        return acked;
    }

    /// <summary>Reads every partition from the beginning to its high watermark and checks the history.</summary>
    private static async Task AssertConsumedAsync(IGrainFactory grains, string topic, int partitions, ConcurrentDictionary<string, (int Partition, long Offset)> acked)
    {
        var admin = new Admin(grains);
        var ends = await admin.GetTopicOffsetsAsync(topic);
        var total = ends.Sum(o => o.HighWatermark - o.LogStartOffset);
        await using var consumer = new Consumer<string, string>(grains, ConsumerOptions.Default with { FetchMaxWait = TimeSpan.FromMilliseconds(50) });
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(new TopicPartition(topic, p), Offset.Beginning)));
        var seen = new Dictionary<string, (int Partition, long Offset)>();
        var lastSequence = new Dictionary<(string Producer, string Key), int>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        await foreach (var record in consumer.ConsumeAsync(timeout.Token))
        {
            var value = record.Message.Value!;
            seen.TryAdd(value, (record.Partition, record.Offset)).Should().BeTrue($"'{value}' must appear once, but it is at {record.Partition}/{record.Offset} too");
            var parts = value.Split(ValueSeparator);
            var sequence = int.Parse(parts[2], CultureInfo.InvariantCulture);
            if (lastSequence.TryGetValue((parts[0], parts[1]), out var previous))
            {
                sequence.Should().BeGreaterThan(previous, $"key {parts[1]} of producer {parts[0]} must be read in produce order");
            }

            lastSequence[(parts[0], parts[1])] = sequence;
            if (seen.Count == total)
            {
                break;
            }
        }

        seen.Count.Should().Be((int)total);
        foreach (var (value, position) in acked)
        {
            seen.Should().ContainKey(value, "every acknowledged record is consumed");
            seen[value].Should().Be(position, $"'{value}' is at the offset its acknowledgement named");
        }
    }
}
