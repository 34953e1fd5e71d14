using System.Collections.Concurrent;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>Confluent.Kafka (librdkafka) consumer groups against a real silo's Kafka listener: coordinator lookup,
/// committed offsets, group admin, and the classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) with
/// the leader member assigning.</summary>
public sealed class ConfluentGroupTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private CK.ConsumerConfig ConsumerConfig(string group, CK.PartitionAssignmentStrategy strategy = CK.PartitionAssignmentStrategy.Range) => new()
    {
        BootstrapServers = silo.KafkaBootstrap,
        GroupId = group,
        EnableAutoCommit = false,
        AutoOffsetReset = CK.AutoOffsetReset.Earliest,
        FetchWaitMaxMs = 100,
        SocketTimeoutMs = 10_000,
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 300,
        MaxPollIntervalMs = 20_000,
        PartitionAssignmentStrategy = strategy,
    };

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>Produces <paramref name="perPartition"/> records to each partition; values are "p{partition}-{i}".</summary>
    private async Task ProduceAsync(string topic, int partitions, int perPartition)
    {
        using var producer = new CK.ProducerBuilder<string, string>(new CK.ProducerConfig { BootstrapServers = silo.KafkaBootstrap, EnableIdempotence = true, LingerMs = 5 }).Build();
        for (var p = 0; p < partitions; p++)
        {
            for (var i = 0; i < perPartition; i++)
            {
                await producer.ProduceAsync(new CK.TopicPartition(topic, p), new CK.Message<string, string> { Key = $"k{i}", Value = $"p{p}-{i}" }).WaitAsync(Guard);
            }
        }

        producer.Flush(Guard);
    }

    [Fact]
    public async Task ConfluentAssignConsumer_Commit_NewConsumerReadsCommittedAndResumesThere()
    {
        var topic = NewName("grp");
        var group = NewName("commit");
        await CreateTopicAsync(topic, 2);
        await ProduceAsync(topic, 2, 5);

        using (var consumer = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build())
        {
            consumer.Assign([new CK.TopicPartitionOffset(topic, 0, CK.Offset.Beginning), new CK.TopicPartitionOffset(topic, 1, CK.Offset.Beginning)]);
            consumer.Commit([new CK.TopicPartitionOffset(topic, 0, 3), new CK.TopicPartitionOffset(topic, 1, 5)]);
            consumer.Close();
        }

        using var next = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build();
        var committed = next.Committed([new CK.TopicPartition(topic, 0), new CK.TopicPartition(topic, 1)], Guard);
        committed.Select(c => (c.Partition.Value, c.Offset.Value)).Should().BeEquivalentTo([(0, 3L), (1, 5L)]);

        // Assigned without an offset, the consumer starts at the committed one.
        next.Assign([new CK.TopicPartition(topic, 0)]);
        var first = next.Consume(Guard);
        first.Should().NotBeNull();
        first!.Offset.Value.Should().Be(3);
        first.Message.Value.Should().Be("p0-3");

        // A group nobody committed to answers "no offset".
        using var stranger = new CK.ConsumerBuilder<string, string>(ConsumerConfig(NewName("empty"))).Build();
        stranger.Committed([new CK.TopicPartition(topic, 0)], Guard).Single().Offset.Should().Be(CK.Offset.Unset);
    }

    [Fact]
    public async Task ConfluentAdmin_ListDescribeDeleteGroups_SeesCommittedGroupThenItIsGone()
    {
        var topic = NewName("grp");
        var group = NewName("admin");
        await CreateTopicAsync(topic, 1);
        using (var consumer = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build())
        {
            consumer.Assign([new CK.TopicPartitionOffset(topic, 0, CK.Offset.Beginning)]);
            consumer.Commit([new CK.TopicPartitionOffset(topic, 0, 0)]);
        }

        using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();
        var listed = await admin.ListConsumerGroupsAsync();
        listed.Valid.Should().Contain(g => g.GroupId == group && g.State == CK.ConsumerGroupState.Empty);

        var described = await admin.DescribeConsumerGroupsAsync([group]);
        var description = described.ConsumerGroupDescriptions.Single();
        description.GroupId.Should().Be(group);
        description.State.Should().Be(CK.ConsumerGroupState.Empty);
        description.Members.Should().BeEmpty();

        await admin.DeleteGroupsAsync([group]);
        (await admin.ListConsumerGroupsAsync()).Valid.Should().NotContain(g => g.GroupId == group);

        var missing = await FluentActions.Awaiting(() => admin.DeleteGroupsAsync([group])).Should().ThrowAsync<CK.Admin.DeleteGroupsException>();
        missing.Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.GroupIdNotFound);
    }

    [Theory]
    [InlineData(CK.PartitionAssignmentStrategy.Range)]
    [InlineData(CK.PartitionAssignmentStrategy.RoundRobin)]
    [InlineData(CK.PartitionAssignmentStrategy.CooperativeSticky)]
    public async Task TwoSubscribedConsumers_FourPartitions_SplitTwoEachConsumeAllOnceThenSurvivorTakesAllFour(CK.PartitionAssignmentStrategy strategy)
    {
        var topic = NewName("grp");
        var group = NewName("classic");
        const int Partitions = 4;
        const int PerPartition = 10;
        await CreateTopicAsync(topic, Partitions);
        await ProduceAsync(topic, Partitions, PerPartition);

        var seen = new ConcurrentDictionary<(int Partition, long Offset), int>();
        using var a = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group, strategy)).Build();
        using var b = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group, strategy)).Build();
        a.Subscribe(topic);
        b.Subscribe(topic);

        // Poll both (each consumer is driven by its own Consume calls) until every record was read and the split is 2/2.
        using var cts = new CancellationTokenSource(Guard);
        while (!(seen.Count == Partitions * PerPartition && a.Assignment.Count == 2 && b.Assignment.Count == 2))
        {
            cts.Token.ThrowIfCancellationRequested();
            foreach (var consumer in new[] { a, b })
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
                {
                    seen.AddOrUpdate((record.Partition.Value, record.Offset.Value), 1, (_, n) => n + 1);
                    consumer.Commit(record);
                }
            }
        }

        a.Assignment.Concat(b.Assignment).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));
        seen.Keys.Should().BeEquivalentTo(Enumerable.Range(0, Partitions).SelectMany(p => Enumerable.Range(0, PerPartition).Select(i => (p, (long)i))));
        seen.Values.Should().OnlyContain(n => n == 1, "each record is consumed once: a partition belongs to one member");

        // The admin sees both members with their assignment.
        using (var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build())
        {
            var description = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
            description.State.Should().Be(CK.ConsumerGroupState.Stable);
            description.Members.Should().HaveCount(2);
            description.Members.Should().OnlyContain(m => m.Host == "/127.0.0.1" && m.ClientId == "rdkafka");
            description.Members.SelectMany(m => m.Assignment.TopicPartitions).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));
        }

        // One leaves; the other rebalances onto all four, and resumes from the committed offsets (nothing more to read).
        b.Close();
        while (a.Assignment.Count != Partitions)
        {
            cts.Token.ThrowIfCancellationRequested();
            a.Consume(TimeSpan.FromMilliseconds(100)).Should().BeNull("every record was committed before the rebalance");
        }

        await ProduceAsync(topic, Partitions, 1);
        var after = new HashSet<int>();
        while (after.Count < Partitions)
        {
            cts.Token.ThrowIfCancellationRequested();
            if (a.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
            {
                record.Offset.Value.Should().Be(PerPartition, "the survivor resumes at the committed offset");
                after.Add(record.Partition.Value).Should().BeTrue();
            }
        }

        a.Close();
    }
}
