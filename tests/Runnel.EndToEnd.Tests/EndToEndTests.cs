using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using Runnel.Client;
using Runnel.Client.Tests.Infrastructure;
using Runnel.Grains;
using Runnel.Storage;
using Runnel.Testing;
using Runnel.Testing.Cluster;

namespace Runnel.EndToEnd.Tests;

/// <summary>
/// The product end to end: a 3-silo Orleans cluster in one process (<see cref="RunnelTestCluster"/>: Runnel membership
/// on one shared store) hosting the real topic, partition and group grains, driven by the client library through the
/// cluster's client with Runnel's call filter, as <see cref="RunnelConnection"/> sets it up. Subclasses name the store
/// (<c>File</c>, <c>Azurite</c>). Every test records each acknowledgement and checks the invariants over the whole
/// history: every acknowledged record is at its acknowledged offset, nothing appears twice, and each key's records are
/// in produce order.
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
        var client = cluster.Client;
        await new Admin(client).CreateTopicAsync("orders", 8);

        var acked = await ProduceAsync(client, "orders", producers: 4, recordsPerProducer: 25_000, keys: 500);

        acked.Count.Should().Be(100_000);
        cluster.Stores.Sum(s => s.Faults.InjectedCount(StorageFaultKind.LostResponse)).Should().BeGreaterThan(0, "lost responses must really have been injected");
        await AssertConsumedAsync(client, "orders", 8, acked);
    }

    [Fact]
    public async Task Produce_SiloKilledMidProduce_NoAcknowledgedRecordLost()
    {
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0);
        var client = cluster.Client;
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
        await cluster.KillSiloAsync(cluster.Silos[1]);
        var acked = await producing.WaitAsync(TimeSpan.FromSeconds(180));

        acked.Count.Should().Be(20_000, "every record is acknowledged in the end: retries move to the surviving owners");
        await AssertConsumedAsync(client, "kills", 8, acked);
    }

    [Fact]
    public async Task Topics_CreateDescribeAlterDelete_ThroughTheCluster()
    {
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0);
        var admin = new Admin(cluster.Client);

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
    public async Task Topics_StoreUnavailableInActivationAndInCall_CallerGetsTheRetriableStorageErrorEachTimeThenCreates()
    {
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0);
        cluster.Stores.Should().HaveCount(3, "every silo opened its store at start");
        var (refusedRead, refusedWrite) = (0, 0);
        foreach (var store in cluster.Stores)
        {
            // One refusal of each in the whole cluster, wherever the topic grain is activated: the read of its meta blob
            // when it activates, then the write that creates it.
            store.Faults.FailNext(1, StorageOperation.Get, StorageFaultKind.Unavailable, name => Fragile(name) && Interlocked.Exchange(ref refusedRead, 1) == 0);
            store.Faults.FailNext(1, StorageOperation.Put, StorageFaultKind.Unavailable, name => Fragile(name) && Interlocked.Exchange(ref refusedWrite, 1) == 0);
        }

        var create = () => cluster.Client.GetGrain<ITopicGrain>("fragile").CreateAsync(2, null).AsTask();

        foreach (var failing in new[] { "activation", "call" })
        {
            var error = (await create.Should().ThrowAsync<RunnelException>()).Which;
            error.Code.Should().Be(RunnelErrorCode.StorageUnavailable, "the store's error in the grain's {0} crosses the wire with its code: {1}", failing, error);
            error.IsRetriable.Should().BeTrue();
        }

        (await create()).PartitionCount.Should().Be(2, "the store answers again");

        static bool Fragile(string name) => name.Contains("/fragile/", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_GroupGrainSiloKilled_ConsumersContinueAndNoCommitLost()
    {
        // The silos' and the consumers' logs, kept for the failure message: a stalled group says what it was doing.
        var logs = new RingLoggerProvider();
        using var consumerLogs = LoggerFactory.Create(b => b.AddProvider(logs.For("client")));
        await using var cluster = await StartClusterAsync(lostResponseProbability: 0, logs);
        var client = cluster.Client;
        var admin = new Admin(client);
        await admin.CreateTopicAsync("jobs", 6);
        var (group, victim) = await GroupHostedAwayFromFirstSiloAsync(cluster);
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

    /// <summary>A group id whose grain lives on a silo other than the first, and that silo: each candidate's grain is
    /// activated, and the cluster's directory says where.</summary>
    private static async Task<(string Group, InProcessSiloHandle Host)> GroupHostedAwayFromFirstSiloAsync(RunningCluster cluster)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        for (var i = 0; i < 20; i++)
        {
            var group = $"workers-{i}";
            var grain = cluster.Client.GetGrain<IConsumerGroupGrain>(group);
            await grain.FetchOffsetsAsync(null);
            var address = await management.GetActivationAddress(grain);
            var host = cluster.Silos.SingleOrDefault(s => s.SiloAddress.Equals(address));
            if (host is not null && host != cluster.Silos[0])
            {
                return (group, host);
            }
        }

        throw new InvalidOperationException("No group id among 20 landed away from the first silo.");
    }

    private static async Task ProduceValuesAsync(IGrainFactory grains, string topic, int start, int count)
    {
        await using var producer = new Producer<string, string>(grains, ProducerOptions.Default with { Linger = TimeSpan.FromMilliseconds(2), RetryBackoff = TimeSpan.FromMilliseconds(20) });
        var tasks = Enumerable.Range(start, count).Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" })).ToList();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until the group's commits cover <paramref name="total"/> records (a describe that fails while the
    /// group grain moves is tried again); returns them by partition.</summary>
    private static Task<Dictionary<int, long>> WaitForCommitsAsync(Admin admin, string group, long total) =>
        Probe.UntilAsync(
            async () => (await admin.DescribeGroupAsync(group)).Partitions
                .Where(p => p.CommittedOffset is not null).ToDictionary(p => p.Partition, p => p.CommittedOffset!.Value),
            committed => committed.Values.Sum() == total,
            TimeSpan.FromSeconds(60),
            $"commits covering {total} records");

    /// <summary>Three silos over the test's store, each through its own <see cref="SiloStore"/> (faults injected with
    /// a seed per silo when <paramref name="lostResponseProbability"/> is not 0), once every silo sees all three Active.</summary>
    private async Task<RunningCluster> StartClusterAsync(double lostResponseProbability, RingLoggerProvider? logs = null)
    {
        var store = await CreateStoreAsync();
        var stores = new ConcurrentDictionary<string, SiloStore>();
        var cluster = RunnelTestCluster.Build(
            3,
            store,
            configureSilo: silo =>
            {
                silo.AddRunnelGrains(sp => stores.GetOrAdd(SiloName(sp), name => new SiloStore(store, Faults(name, lostResponseProbability))));
                if (logs is not null)
                {
                    silo.Services.AddSingleton<ILoggerProvider>(sp => logs.For(SiloName(sp)));
                }
            },
            configureClient: client =>
            {
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15));
                client.AddOutgoingGrainCallFilter<RunnelCallErrorFilter>();
            });
        var running = new RunningCluster(cluster, stores);
        try
        {
            await cluster.DeployAsync();
            await RunnelTestCluster.WaitForAllSilosActiveAsync(cluster, TimeSpan.FromSeconds(20));
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    private static string SiloName(IServiceProvider services) => services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName;

    /// <summary>Lost responses to appends, seeded by the silo's number (<c>Silo_{n}</c>); null for none.</summary>
    private static FaultInjectionOptions? Faults(string siloName, double lostResponseProbability) => lostResponseProbability == 0 ? null : new FaultInjectionOptions
    {
        Seed = 1000 + int.Parse(siloName[(siloName.LastIndexOf('_') + 1)..], CultureInfo.InvariantCulture),
        Probabilities = new Dictionary<StorageOperation, FaultProbabilities>
        {
            [StorageOperation.AppendBlock] = new(LostResponse: lostResponseProbability),
        },
    };

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
