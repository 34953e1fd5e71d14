using System.Collections.Concurrent;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>Confluent.Kafka (librdkafka 2.16) consumers with <c>group.protocol=consumer</c> (KIP-848:
/// ConsumerGroupHeartbeat, server-side assignment by the group grain) against a real silo's Kafka listener.</summary>
public sealed class ConfluentConsumerProtocolTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private CK.ConsumerConfig ConsumerConfig(string group) => new()
    {
        BootstrapServers = silo.KafkaBootstrap,
        GroupId = group,
        GroupProtocol = CK.GroupProtocol.Consumer,
        EnableAutoCommit = false,
        AutoOffsetReset = CK.AutoOffsetReset.Earliest,
        FetchWaitMaxMs = 100,
        SocketTimeoutMs = 10_000,
        MaxPollIntervalMs = 30_000,
    };

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    /// <summary>Produces <paramref name="perPartition"/> records to each partition; values are "p{partition}-{offset}".</summary>
    private async Task ProduceAsync(string topic, int partitions, int perPartition, int firstOffset)
    {
        using var producer = new CK.ProducerBuilder<string, string>(new CK.ProducerConfig { BootstrapServers = silo.KafkaBootstrap, EnableIdempotence = true, LingerMs = 5 }).Build();
        for (var p = 0; p < partitions; p++)
        {
            for (var i = 0; i < perPartition; i++)
            {
                await producer.ProduceAsync(new CK.TopicPartition(topic, p), new CK.Message<string, string> { Key = $"k{i}", Value = $"p{p}-{firstOffset + i}" }).WaitAsync(Guard);
            }
        }

        producer.Flush(Guard);
    }

    /// <summary>Polls every consumer (each is driven by its own Consume calls), committing each record it reads, until
    /// <paramref name="done"/> holds; counts each (partition, offset) read.</summary>
    private static void PollUntil(CK.IConsumer<string, string>[] consumers, ConcurrentDictionary<(int Partition, long Offset), int> seen, Func<bool> done, CancellationToken cancellationToken)
    {
        while (!done())
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var consumer in consumers)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } record)
                {
                    record.Message.Value.Should().Be($"p{record.Partition.Value}-{record.Offset.Value}");
                    seen.AddOrUpdate((record.Partition.Value, record.Offset.Value), 1, (_, n) => n + 1);
                    consumer.Commit(record);
                }
            }
        }
    }

    private static IEnumerable<(int Partition, long Offset)> Records(int partitions, int from, int count) =>
        Enumerable.Range(0, partitions).SelectMany(p => Enumerable.Range(from, count).Select(i => (p, (long)i)));

    [Fact]
    public async Task ConsumerProtocol_TwoMembersSplitSix_ThirdJoinsOneLeaves_EveryRecordOnceAndResumesAtCommitted()
    {
        var topic = NewName("kip848");
        var group = NewName("consumer");
        const int Partitions = 6;
        await CreateTopicAsync(topic, Partitions);
        await ProduceAsync(topic, Partitions, 10, firstOffset: 0);

        var seen = new ConcurrentDictionary<(int Partition, long Offset), int>();
        using var cts = new CancellationTokenSource(Guard);
        using var a = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build();
        using var b = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build();
        a.Subscribe(topic);
        b.Subscribe(topic);
        PollUntil([a, b], seen, () => seen.Count == Partitions * 10 && a.Assignment.Count == 3 && b.Assignment.Count == 3, cts.Token);
        a.Assignment.Concat(b.Assignment).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions), "the server splits the six partitions 3/3");

        // The admin describes the group through ConsumerGroupDescribe and lists it as a consumer-protocol group.
        using (var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build())
        {
            var description = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
            description.Members.Should().HaveCount(2);
            description.Members.SelectMany(m => m.Assignment.TopicPartitions).Should().OnlyContain(tp => tp.Topic == topic);
            description.Members.SelectMany(m => m.Assignment.TopicPartitions).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));
            description.Members.Should().OnlyContain(m => m.TargetAssignment != null, "only ConsumerGroupDescribe (KIP-848) carries a target assignment");
            description.Members.SelectMany(m => m.TargetAssignment.TopicPartitions).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));
            (await admin.ListConsumerGroupsAsync()).Valid.Should().Contain(g => g.GroupId == group && g.Type == CK.ConsumerGroupType.Consumer);
        }

        // A third member joins: 2/2/2, and what is produced next is read once, at the offsets after the committed ones.
        using var c = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build();
        c.Subscribe(topic);
        await ProduceAsync(topic, Partitions, 1, firstOffset: 10);
        PollUntil([a, b, c], seen, () => seen.Count == Partitions * 11 && a.Assignment.Count == 2 && b.Assignment.Count == 2 && c.Assignment.Count == 2, cts.Token);
        a.Assignment.Concat(b.Assignment).Concat(c.Assignment).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));

        // One leaves: the other two take its partitions over and resume at its commits.
        b.Close();
        await ProduceAsync(topic, Partitions, 1, firstOffset: 11);
        PollUntil([a, c], seen, () => seen.Count == Partitions * 12 && a.Assignment.Count + c.Assignment.Count == Partitions, cts.Token);
        a.Assignment.Concat(c.Assignment).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));

        seen.Keys.Should().BeEquivalentTo(Records(Partitions, 0, 12));
        seen.Values.Should().OnlyContain(n => n == 1, "a partition belongs to one member at a time and a new owner starts at the committed offset");
        var committed = a.Committed(Enumerable.Range(0, Partitions).Select(p => new CK.TopicPartition(topic, p)), Guard);
        committed.Select(o => o.Offset.Value).Should().OnlyContain(o => o == 12);
        a.Close();
        c.Close();
    }

    [Fact]
    public async Task ConsumerProtocol_RegexSubscription_ServerMatchesTopicsReadsThemAll()
    {
        var prefix = NewName("rx");
        await CreateTopicAsync(prefix + "-a", 2);
        await CreateTopicAsync(prefix + "-b", 2);
        await CreateTopicAsync(NewName("other"), 1);
        await ProduceAsync(prefix + "-a", 2, 3, firstOffset: 0);
        await ProduceAsync(prefix + "-b", 2, 3, firstOffset: 0);

        using var cts = new CancellationTokenSource(Guard);
        using var consumer = new CK.ConsumerBuilder<string, string>(ConsumerConfig(NewName("regex"))).Build();
        consumer.Subscribe($"^{prefix}-.*"); // librdkafka sends it as the heartbeat's SubscribedTopicRegex
        var seen = new HashSet<(string Topic, int Partition, long Offset)>();
        while (seen.Count < 12)
        {
            cts.Token.ThrowIfCancellationRequested();
            if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { } record)
            {
                seen.Add((record.Topic, record.Partition.Value, record.Offset.Value)).Should().BeTrue();
            }
        }

        consumer.Assignment.Select(tp => tp.Topic).Distinct().Should().BeEquivalentTo([prefix + "-a", prefix + "-b"], "the pattern matches exactly the two topics");
        consumer.Close();
    }

    [Fact]
    public async Task ConsumerProtocol_StaticMembers_SecondWithSameInstanceIdRefused_RestartTakesOverAssignmentAndRackShows()
    {
        var topic = NewName("kip848");
        var group = NewName("static");
        await CreateTopicAsync(topic, 2);
        using var cts = new CancellationTokenSource(Guard);
        var config = ConsumerConfig(group);
        config.GroupInstanceId = "instance-1";
        config.ClientRack = "rack-a";
        using (var first = new CK.ConsumerBuilder<string, string>(config).Build())
        {
            first.Subscribe(topic);
            AwaitAssignment(first, 2, cts.Token);

            // A second consumer with the same group.instance.id while the first is alive: refused (fatal for it, as on
            // Kafka); the first keeps its partitions.
            using var second = new CK.ConsumerBuilder<string, string>(config).Build();
            second.Subscribe(topic);
            var refused = ConsumeUntilError(second, cts.Token);
            refused.Code.Should().Be(CK.ErrorCode.UnreleasedInstanceId, refused.Reason);
            refused.IsFatal.Should().BeTrue();
            first.Consume(TimeSpan.FromMilliseconds(50));
            first.Assignment.Should().HaveCount(2);

            var member = (await DescribeMembersAsync(group)).Should().ContainSingle().Subject;
            member.Should().Match<ConsumerGroupDescribeApi.Member>(m => m.InstanceId == "instance-1" && m.RackId == "rack-a");
            first.Close(); // a static member's leave (epoch -2): its assignment waits for its next incarnation
        }

        var described = (await DescribeMembersAsync(group)).Should().ContainSingle().Subject;
        described.Assignment.Should().ContainSingle().Which.Partitions.Should().HaveCount(2, "the static member's partitions stay reserved after it left");

        // Its restart (a new member id, the same instance id) takes both partitions over.
        using var restarted = new CK.ConsumerBuilder<string, string>(config).Build();
        restarted.Subscribe(topic);
        AwaitAssignment(restarted, 2, cts.Token);
        (await DescribeMembersAsync(group)).Should().ContainSingle().Which.MemberId.Should().NotBe(described.MemberId);
        restarted.Close();
    }

    private static void AwaitAssignment(CK.IConsumer<string, string> consumer, int partitions, CancellationToken cancellationToken)
    {
        while (consumer.Assignment.Count < partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            consumer.Consume(TimeSpan.FromMilliseconds(50));
        }
    }

    private static CK.Error ConsumeUntilError(CK.IConsumer<string, string> consumer, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                consumer.Consume(TimeSpan.FromMilliseconds(50));
            }
            catch (CK.ConsumeException ex)
            {
                return ex.Error;
            }
        }
    }

    /// <summary>The group's members as ConsumerGroupDescribe answers (the frame carries each member's rack, which the
    /// Confluent admin client does not show).</summary>
    private async Task<IReadOnlyList<ConsumerGroupDescribeApi.Member>> DescribeMembersAsync(string group)
    {
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        var response = await client.CallAsync(ApiKey.ConsumerGroupDescribe, 0, (ref KafkaWriter w) =>
        {
            var request = new ConsumerGroupDescribeApi.Request();
            request.GroupIds.Add(group);
            request.Write(ref w, 0);
        }, (ref KafkaReader r) => ConsumerGroupDescribeApi.Response.Read(ref r, 0));
        var described = response.Groups.Single();
        described.ErrorCode.Should().Be(KafkaErrorCode.None, described.ErrorMessage);
        return described.Members;
    }

    [Fact]
    public async Task ConsumerProtocol_RestartedConsumer_ResumesFromCommittedOffsets()
    {
        var topic = NewName("kip848");
        var group = NewName("resume");
        await CreateTopicAsync(topic, 2);
        await ProduceAsync(topic, 2, 5, firstOffset: 0);
        var seen = new ConcurrentDictionary<(int Partition, long Offset), int>();
        using var cts = new CancellationTokenSource(Guard);
        using (var first = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build())
        {
            first.Subscribe(topic);
            PollUntil([first], seen, () => seen.Count == 10, cts.Token);
            first.Close();
        }

        await ProduceAsync(topic, 2, 2, firstOffset: 5);
        using var second = new CK.ConsumerBuilder<string, string>(ConsumerConfig(group)).Build();
        second.Subscribe(topic);
        PollUntil([second], seen, () => seen.Count == 14, cts.Token);
        seen.Keys.Should().BeEquivalentTo(Records(2, 0, 7));
        seen.Values.Should().OnlyContain(n => n == 1, "the restarted consumer starts at the committed offsets");
        second.Close();
    }
}
