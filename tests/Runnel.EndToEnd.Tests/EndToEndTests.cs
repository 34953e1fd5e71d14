using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Runnel.Client;
using Runnel.Client.Tests.Infrastructure;
using Runnel.Grains;
using Runnel.Storage;
using Runnel.Testing;
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

    [Fact]
    public async Task Groups_GroupGrainSiloKilled_ConsumersContinueAndNoCommitLost()
    {
        // The silos' and the consumers' logs, kept for the failure message: a stalled group says what it was doing.
        var logs = new RingLoggerProvider();
        using var consumerLogs = LoggerFactory.Create(b => b.AddProvider(logs.For("client")));
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0, logs);
        await using var client = await cluster.ConnectClientAsync();
        var admin = new Admin(client);
        await admin.CreateTopicAsync("jobs", 6);
        var (group, victim) = await GroupHostedAwayFromSeedAsync(cluster, client);
        await admin.ResetOffsetsAsync(group, "jobs", OffsetResetSpec.ToEarliest());
        var options = ConsumerOptions.Default with
        {
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Error, // every partition must start at a committed offset
            FetchMaxWait = TimeSpan.FromMilliseconds(50),
            SessionTimeout = TimeSpan.FromSeconds(6),
            AutoCommitInterval = TimeSpan.FromMilliseconds(200),
            CloseTimeout = TimeSpan.FromSeconds(5),
        };
        var log = new OwnershipLog();
        var workers = Enumerable.Range(0, 2).Select(i => new GroupWorker($"w{i}", client, options, ["jobs"], log, loggerFactory: consumerLogs)).ToList();
        await ProduceValuesAsync(client, "jobs", 0, 300);
        await log.UntilAsync(() => log.Consumed.Select(c => c.Value).Distinct().Count() == 300, TimeSpan.FromSeconds(60), "the first 300 records consumed");
        var before = await WaitForCommitsAsync(admin, group, 300);

        await cluster.KillSiloAsync(victim);
        await ProduceValuesAsync(client, "jobs", 300, 300);
        try
        {
            await log.UntilAsync(
                () => workers.Any(w => w.Error != null) || log.Consumed.Select(c => c.Value).Distinct().Count() == 600,
                TimeSpan.FromSeconds(90),
                "all 600 records consumed after the kill");
        }
        catch (TimeoutException ex)
        {
            var consumed = log.Consumed.Select(c => c.Value).Distinct().Count();
            throw new TimeoutException($"{ex.Message}; {consumed} of 600 consumed. Last log entries:\n{logs.Dump()}", ex);
        }

        workers.Should().OnlyContain(w => w.Error == null, "the consumers continue through the group grain's move");
        var after = await WaitForCommitsAsync(admin, group, 600);

        foreach (var (partition, offset) in before.Select(p => (p.Key, p.Value)))
        {
            after[partition].Should().BeGreaterThanOrEqualTo(offset, $"the commit of partition {partition} made before the kill survives it");
        }

        workers.Should().OnlyContain(w => w.Error == null, "the consumers continue through the group grain's move");
        log.Violations.Should().BeEmpty();
        foreach (var w in workers)
        {
            await w.DisposeAsync();
        }
    }

    /// <summary>A group id whose grain lives on a silo other than the client's seed, and that silo: each candidate's
    /// grain is activated alone and the silo whose activation count went up hosts it.</summary>
    private static async Task<(string Group, TestSilo Host)> GroupHostedAwayFromSeedAsync(InProcessTestCluster cluster, IGrainFactory client)
    {
        for (var i = 0; i < 20; i++)
        {
            var group = $"workers-{i}";
            var before = cluster.RunningSilos.ToDictionary(s => s, s => s.Silo.ActivationCount);
            await client.GetGrain<IConsumerGroupGrain>(group).FetchOffsetsAsync(null);
            var host = cluster.RunningSilos.Where(s => s.Silo.ActivationCount == before[s] + 1).ToList();
            if (host.Count == 1 && host[0] != cluster.RunningSilos[0])
            {
                return (group, host[0]);
            }
        }

        throw new InvalidOperationException("No group id among 20 landed away from the seed silo.");
    }

    private static async Task ProduceValuesAsync(IGrainFactory grains, string topic, int start, int count)
    {
        await using var producer = new Producer<string, string>(grains, ProducerOptions.Default with { Linger = TimeSpan.FromMilliseconds(2), RetryBackoff = TimeSpan.FromMilliseconds(20) });
        var tasks = Enumerable.Range(start, count).Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" })).ToList();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until the group's commits cover <paramref name="total"/> records; returns them by partition.</summary>
    private static async Task<Dictionary<int, long>> WaitForCommitsAsync(Admin admin, string group, long total)
    {
        Dictionary<int, long> committed = [];
        await InProcessTestCluster.WaitForAsync(async () =>
        {
            try
            {
                var description = await admin.DescribeGroupAsync(group);
                committed = description.Partitions.Where(p => p.CommittedOffset is not null).ToDictionary(p => p.Partition, p => p.CommittedOffset!.Value);
                return committed.Values.Sum() == total;
            }
            catch (RunnelException ex) when (ex.IsRetriable || ex.Code is RunnelErrorCode.OutcomeUnknown or RunnelErrorCode.ConnectionLost or RunnelErrorCode.WrongOwner)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), $"commits covering {total} records");
        return committed;
    }

    private async Task<InProcessTestCluster> StartClusterAsync(double lostResponseProbability, RingLoggerProvider? logs = null)
    {
        var store = await CreateStoreAsync();
        return await InProcessTestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 3,
            Store = store,
            ConfigureLogging = logs is null ? null : (index, logging) => logging.AddProvider(logs.For($"silo{index}")),
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
