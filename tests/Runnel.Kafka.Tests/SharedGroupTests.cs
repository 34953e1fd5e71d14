using System.Collections.Concurrent;
using Runnel.Client;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>One group, two kinds of members: a Runnel <see cref="Consumer{TKey, TValue}"/> and a Confluent.Kafka
/// consumer (KIP-848 consumer protocol, or the classic protocol with the group grain assigning for it, as Kafka 4's
/// mixed groups do). They split the partitions, read every record once between them with commits, and a member
/// leaving hands its partitions to the other. A classic group that a Runnel consumer joins converts online.</summary>
public sealed class SharedGroupTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private const int Partitions = 6;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private async Task ProduceAsync(string topic, int perPartition, int firstOffset)
    {
        using var producer = new CK.ProducerBuilder<string, string>(new CK.ProducerConfig { BootstrapServers = silo.KafkaBootstrap, EnableIdempotence = true, LingerMs = 5 }).Build();
        for (var p = 0; p < Partitions; p++)
        {
            for (var i = 0; i < perPartition; i++)
            {
                await producer.ProduceAsync(new CK.TopicPartition(topic, p), new CK.Message<string, string> { Key = $"k{i}", Value = $"p{p}-{firstOffset + i}" }).WaitAsync(Guard);
            }
        }

        producer.Flush(Guard);
    }

    private async Task<string> CreateTopicAsync(string prefix)
    {
        var topic = NewName(prefix);
        using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    private CK.ConsumerConfig KafkaConfig(string group, CK.GroupProtocol protocol, CK.PartitionAssignmentStrategy strategy)
    {
        var config = new CK.ConsumerConfig
        {
            BootstrapServers = silo.KafkaBootstrap,
            GroupId = group,
            GroupProtocol = protocol,
            EnableAutoCommit = false,
            AutoOffsetReset = CK.AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
            SocketTimeoutMs = 10_000,
            MaxPollIntervalMs = 30_000,
        };
        if (protocol == CK.GroupProtocol.Classic)
        {
            config.SessionTimeoutMs = 10_000;
            config.HeartbeatIntervalMs = 300;
            config.PartitionAssignmentStrategy = strategy;
        }

        return config;
    }

    [Theory]
    [InlineData(CK.GroupProtocol.Consumer, CK.PartitionAssignmentStrategy.Range)]
    [InlineData(CK.GroupProtocol.Classic, CK.PartitionAssignmentStrategy.Range)]
    [InlineData(CK.GroupProtocol.Classic, CK.PartitionAssignmentStrategy.CooperativeSticky)]
    public async Task RunnelAndKafkaConsumer_OneGroupSixPartitions_SplitReadEachOnce_LeaverHandsOver(CK.GroupProtocol protocol, CK.PartitionAssignmentStrategy strategy)
    {
        var topic = await CreateTopicAsync("shared");
        var group = NewName("shared");
        await ProduceAsync(topic, 10, firstOffset: 0);
        await using var connection = await silo.ConnectAsync();
        using var read = new SharedRead();

        // The Runnel consumer is first: the group is assigned on the server, and the Kafka consumer joins it.
        await using var runnel = read.StartRunnel(connection, group, topic);
        await read.UntilAsync(() => runnel.Assignment.Count == Partitions, "the Runnel consumer owns all six");
        using var kafka = new CK.ConsumerBuilder<string, string>(KafkaConfig(group, protocol, strategy)).Build();
        kafka.Subscribe(topic);
        read.PollUntil(kafka, () => read.Seen.Count == Partitions * 10 && runnel.Assignment.Count == 3 && kafka.Assignment.Count == 3, "a 3/3 split with every record read");
        runnel.Assignment.Select(tp => tp.Partition).Concat(kafka.Assignment.Select(tp => tp.Partition.Value)).Should().BeEquivalentTo(Enumerable.Range(0, Partitions), "every partition has exactly one owner");

        // Records produced now are read once, by each partition's owner.
        await ProduceAsync(topic, 1, firstOffset: 10);
        read.PollUntil(kafka, () => read.Seen.Count == Partitions * 11, "the new records read");

        // The Kafka consumer leaves: the Runnel consumer takes its three over and resumes at its commits.
        kafka.Close();
        await ProduceAsync(topic, 1, firstOffset: 11);
        await read.UntilAsync(() => read.Seen.Count == Partitions * 12 && runnel.Assignment.Count == Partitions, "the Runnel consumer owns all six again and read everything");

        read.Duplicates.Should().BeEmpty("a partition has one owner at a time and a new owner starts at the committed offset");
        read.Seen.Keys.Should().BeEquivalentTo(Enumerable.Range(0, Partitions).SelectMany(p => Enumerable.Range(0, 12).Select(i => (p, (long)i))));
        read.Seen.Values.Distinct().Should().BeEquivalentTo(["runnel", "kafka"], "both members read part of the topic");
        await read.StopRunnelAsync();
    }

    [Theory]
    [InlineData(CK.PartitionAssignmentStrategy.Range)]
    [InlineData(CK.PartitionAssignmentStrategy.CooperativeSticky)]
    public async Task ClassicKafkaConsumerFirst_RunnelConsumerJoins_GroupConvertsSplitsAndReadsEachOnce(CK.PartitionAssignmentStrategy strategy)
    {
        var topic = await CreateTopicAsync("convert");
        var group = NewName("convert");
        await ProduceAsync(topic, 10, firstOffset: 0);
        await using var connection = await silo.ConnectAsync();
        using var read = new SharedRead();

        // The Kafka consumer is first and alone: a classic group, its leader (itself) assigns all six.
        using var kafka = new CK.ConsumerBuilder<string, string>(KafkaConfig(group, CK.GroupProtocol.Classic, strategy)).Build();
        kafka.Subscribe(topic);
        read.PollUntil(kafka, () => read.Seen.Count == Partitions * 10 && kafka.Assignment.Count == Partitions, "the Kafka consumer owns all six and read everything");

        // A Runnel consumer joins: the group converts to server-side assignment, the Kafka consumer rejoins, they split.
        await using var runnel = read.StartRunnel(connection, group, topic);
        read.PollUntil(kafka, () => runnel.Assignment.Count == 3 && kafka.Assignment.Count == 3, "a 3/3 split after the conversion");
        runnel.Assignment.Select(tp => tp.Partition).Concat(kafka.Assignment.Select(tp => tp.Partition.Value)).Should().BeEquivalentTo(Enumerable.Range(0, Partitions), "every partition has exactly one owner");

        await ProduceAsync(topic, 1, firstOffset: 10);
        read.PollUntil(kafka, () => read.Seen.Count == Partitions * 11, "the new records read by their owners");
        read.Duplicates.Should().BeEmpty("the Runnel consumer started at the Kafka consumer's commits");
        read.Seen.Where(kv => kv.Key.Offset == 10).Select(kv => kv.Value).Distinct().Should().BeEquivalentTo(["runnel", "kafka"], "both members read part of the topic");
        await read.StopRunnelAsync();
    }

    /// <summary>What the members of one test read (each record once, with its reader), the Runnel member's read loop
    /// (it commits every record) and the waits, all under one deadline.</summary>
    private sealed class SharedRead : IDisposable
    {
        private readonly CancellationTokenSource _cts = new(Guard);
        private Task? _runnelLoop;

        public ConcurrentDictionary<(int Partition, long Offset), string> Seen { get; } = new();

        public ConcurrentQueue<string> Duplicates { get; } = new();

        public IConsumer<string, string> StartRunnel(RunnelConnection connection, string group, string topic)
        {
            var runnel = connection.CreateConsumer<string, string>(ConsumerOptions.Default with
            {
                GroupId = group,
                EnableAutoCommit = false,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                FetchMaxWait = TimeSpan.FromMilliseconds(50),
                SessionTimeout = TimeSpan.FromSeconds(10),
            });
            runnel.Subscribe([topic]);
            _runnelLoop = Task.Run(async () =>
            {
                await foreach (var result in runnel.ConsumeAsync(_cts.Token))
                {
                    Record("runnel", result.Partition, result.Offset, result.Message.Value ?? "");
                    await runnel.CommitAsync([new TopicPartitionOffset(result.TopicPartition, result.Offset + 1)], _cts.Token);
                }
            });
            return runnel;
        }

        public async Task StopRunnelAsync()
        {
            await _cts.CancelAsync();
            await FluentActions.Awaiting(() => _runnelLoop!).Should().ThrowAsync<OperationCanceledException>();
        }

        /// <summary>Polls the Kafka consumer (it reads and commits) until <paramref name="done"/>.</summary>
        public void PollUntil(CK.IConsumer<string, string> kafka, Func<bool> done, string what)
        {
            while (!done())
            {
                CheckProgress(what);
                if (kafka.Consume(TimeSpan.FromMilliseconds(50)) is { } record)
                {
                    Record("kafka", record.Partition.Value, record.Offset.Value, record.Message.Value);
                    kafka.Commit(record);
                }
            }
        }

        public async Task UntilAsync(Func<bool> done, string what)
        {
            while (!done())
            {
                CheckProgress(what);
                await Task.Delay(20); // polling a condition under the deadline above
            }
        }

        public void Dispose() => _cts.Dispose();

        private void CheckProgress(string what)
        {
            _cts.Token.IsCancellationRequested.Should().BeFalse($"timed out waiting for {what}");
            (_runnelLoop?.IsFaulted ?? false).Should().BeFalse(_runnelLoop?.Exception?.ToString());
        }

        private void Record(string member, int partition, long offset, string value)
        {
            value.Should().Be($"p{partition}-{offset}");
            if (!Seen.TryAdd((partition, offset), member))
            {
                Duplicates.Enqueue($"{member} read p{partition}@{offset} after {Seen[(partition, offset)]}");
            }
        }
    }
}
