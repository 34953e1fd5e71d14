using System.Text;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The client and the CLI against the real grains in a runnel-silo child process.</summary>
public sealed class RealGrainsTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static string NewTopic() => "e2e-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Connect_BootstrapByDnsName_ResolvedAndEverySeedTriedUntilOneAnswers()
    {
        // Containers and Kubernetes address silos by name: 'localhost' is resolved through the system's resolver (no
        // special case), and a seed that does not answer (a free port) is passed over for the next one.
        var port = silo.Bootstrap[(silo.Bootstrap.LastIndexOf(':') + 1)..];
        var dead = FreePort.Next();
        var bootstrap = RunnelConnectionOptions.ParseBootstrap($"localhost:{dead},localhost:{port}");

        await using var connection = await RunnelConnection.ConnectAsync(RunnelConnectionOptions.Default with { Bootstrap = bootstrap, ConnectTimeout = TimeSpan.FromSeconds(2) });

        bootstrap.Should().Equal($"localhost:{dead}", $"localhost:{port}");
        connection.Endpoint.Should().StartWith($"127.0.0.1:{dead},", "every address of every seed, in order, IPv4 first").And.Contain($"127.0.0.1:{port}");
        (await connection.Admin.ListTopicsAsync()).Should().NotBeNull();
    }

    [Fact]
    public async Task ProducerConsumer_KeyedPipelined_AllRecordsBackInOrderPerKey()
    {
        await using var connection = await silo.ConnectAsync();
        var topic = NewTopic();
        await connection.Admin.CreateTopicAsync(topic, 3);
        const int Count = 2000;
        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Compression = CompressionType.Snappy }))
        {
            var tasks = Enumerable.Range(0, Count).Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"key-{i % 7}", Value = $"{i}" })).ToList();
            var results = await Task.WhenAll(tasks).WaitAsync(Guard);
            foreach (var result in results)
            {
                result.Partition.Should().Be(Murmur2.Partition(Encoding.UTF8.GetBytes(result.Message.Key!), 3));
            }
        }

        var offsets = await connection.Admin.GetTopicOffsetsAsync(topic);
        offsets.Sum(o => o.HighWatermark).Should().Be(Count, "idempotent produce writes each record once");

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        using var cts = new CancellationTokenSource(Guard);
        var byKey = new Dictionary<string, List<int>>();
        var seen = 0;
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            (byKey.TryGetValue(record.Message.Key!, out var list) ? list : byKey[record.Message.Key!] = []).Add(int.Parse(record.Message.Value!, System.Globalization.CultureInfo.InvariantCulture));
            if (++seen == Count)
            {
                break;
            }
        }

        byKey.Should().HaveCount(7);
        byKey.Values.Should().OnlyContain(values => values.SequenceEqual(values.Order()));
        byKey.Values.Sum(v => v.Count).Should().Be(Count);
    }

    [Fact]
    public async Task Admin_RealTopicGrain_LifecycleAndErrors()
    {
        await using var connection = await silo.ConnectAsync();
        var topic = NewTopic();
        var created = await connection.Admin.CreateTopicAsync(topic, 2);
        created.PartitionCount.Should().Be(2);
        (await connection.Admin.ListTopicsAsync()).Should().Contain(topic);
        (await connection.Admin.AddPartitionsAsync(topic, 4)).PartitionCount.Should().Be(4);

        var again = () => connection.Admin.CreateTopicAsync(topic, 1);
        (await again.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.TopicAlreadyExists);

        await connection.Admin.DeleteTopicAsync(topic);
        var gone = () => connection.Admin.DescribeTopicAsync(topic);
        (await gone.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic);
    }

    [Fact]
    public async Task Cli_Process_TopicsProduceConsumeDescribeDelete()
    {
        var topic = NewTopic();
        var create = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "2");
        create.Code.Should().Be(0, create.Err);

        var produce = await ChildProcess.RunCliAsync(silo.Bootstrap, "alpha\tone\nbeta\ttwo\ngamma\tthree\n", "produce", topic, "--key-separator", "\t", "--header", "via=process");
        produce.Code.Should().Be(0, produce.Err);
        produce.Err.Should().Contain("Produced 3 records");

        var consume = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "consume", topic, "--from-beginning", "--max-messages", "3", "--format", @"%k=%v %h\n");
        consume.Code.Should().Be(0, consume.Err);
        consume.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order()
            .Should().Equal("alpha=one via=process", "beta=two via=process", "gamma=three via=process");

        var describe = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "describe", topic);
        describe.Code.Should().Be(0, describe.Err);
        describe.Out.Should().Contain($"Topic: {topic}\tPartitions: 2");

        var delete = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "delete", topic);
        delete.Code.Should().Be(0, delete.Err);
        var describeGone = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "describe", topic);
        describeGone.Code.Should().Be(1);
        describeGone.Err.Should().Contain("UnknownTopic");
    }

    [Fact]
    public async Task Cli_Process_BenchAgainstRealGrains()
    {
        var topic = NewTopic();
        (await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "2")).Code.Should().Be(0);
        var produce = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "bench", "produce", "--topic", topic, "--records", "2000", "--record-size", "100", "--json");
        produce.Code.Should().Be(0, produce.Err);
        produce.Out.Trim().Should().StartWith("{\"bench\":\"produce\",\"ok\":true,\"records\":2000");
        var consume = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "bench", "consume", "--topic", topic, "--records", "2000", "--json");
        consume.Code.Should().Be(0, consume.Err);
        consume.Out.Trim().Should().StartWith("{\"bench\":\"consume\",\"ok\":true,\"records\":2000");
    }

    [Fact]
    public async Task Cli_Process_ConsumeGroupTwiceThenDescribeJson()
    {
        var topic = NewTopic();
        (await ChildProcess.RunCliAsync(silo.Bootstrap, null, "topics", "create", topic, "--partitions", "2")).Code.Should().Be(0);
        (await ChildProcess.RunCliAsync(silo.Bootstrap, "a\nb\nc\nd\n", "produce", topic)).Code.Should().Be(0);
        var group = "cli-" + Guid.NewGuid().ToString("N")[..8];

        var first = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "consume", topic, "--group", group, "--from-beginning", "--max-messages", "3");
        first.Code.Should().Be(0, first.Err);
        var second = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "consume", topic, "--group", group, "--from-beginning", "--timeout", "2");
        second.Code.Should().Be(0, second.Err);
        first.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Concat(second.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Should().BeEquivalentTo(["a", "b", "c", "d"], "the second member starts where the first one's commit left off");

        var describe = await ChildProcess.RunCliAsync(silo.Bootstrap, null, "groups", "describe", group, "--json");
        describe.Code.Should().Be(0, describe.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(describe.Out);
        doc.RootElement.GetProperty("state").GetString().Should().Be("Empty");
        doc.RootElement.GetProperty("total_lag").GetInt64().Should().Be(0);
        doc.RootElement.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("committed").GetInt64()).Should().Be(4);
    }
}
