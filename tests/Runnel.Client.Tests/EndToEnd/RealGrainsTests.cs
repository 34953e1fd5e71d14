using System.Text;
using Runnel.Testing;

namespace Runnel.Client.Tests.EndToEnd;

/// <summary>The client against the real grains in a runnel-silo child process (the CLI as a process: the CliProcess*Tests).</summary>
public sealed class RealGrainsTests(SiloProcessFixture silo) : IClassFixture<SiloProcessFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    internal static string NewTopic() => "e2e-" + Guid.NewGuid().ToString("N")[..10];

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
}
