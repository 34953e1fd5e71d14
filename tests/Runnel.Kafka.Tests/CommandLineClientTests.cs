using System.Text;
using System.Text.Json;
using Runnel.Client;

namespace Runnel.Kafka.Tests;

/// <summary>kcat (Debian's, on librdkafka 2.0) and kafkajs (npm, pinned in the repo's package-lock.json) against a
/// real silo: records, keys and headers cross both ways, metadata lists the broker, a kafkajs consumer group commits.</summary>
public sealed class CommandLineClientTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static string NewTopic() => "cli-" + Guid.NewGuid().ToString("N")[..10];

    [Theory]
    [InlineData("none")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Kcat_ProduceKeysAndHeaders_KcatAndRunnelConsumeTheSame(string codec)
    {
        var kcat = ExternalTool.Require("kcat", "kcat");
        var topic = NewTopic();
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 1);

        var lines = string.Concat(Enumerable.Range(0, 5).Select(i => $"key-{i}:value {i}\n"));
        var produce = await ExternalTool.RunAsync(kcat, ["-b", silo.KafkaBootstrap, "-P", "-t", topic, "-p", "0", "-K", ":", "-H", "origin=kcat", "-z", codec,
            "-X", "enable.idempotence=true"], stdin: lines);
        produce.Code.Should().Be(0, produce.Err);

        var consume = await ExternalTool.RunAsync(kcat, ["-b", silo.KafkaBootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
            "-f", "%o|%k|%s|%h\\n"]);
        consume.Code.Should().Be(0, consume.Err);
        consume.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            Enumerable.Range(0, 5).Select(i => $"{i}|key-{i}|value {i}|origin=kcat"));

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign([new TopicPartitionOffset(topic, 0, Runnel.Client.Offset.Beginning)]);
        using var cts = new CancellationTokenSource(Guard);
        var read = new List<string>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            read.Add($"{record.Offset}|{record.Message.Key}|{record.Message.Value}|{string.Join(',', record.Message.Headers!.Select(h => $"{h.Key}={Encoding.UTF8.GetString(h.Value ?? [])}"))}");
            if (read.Count == 5)
            {
                break;
            }
        }

        read.Should().Equal(Enumerable.Range(0, 5).Select(i => $"{i}|key-{i}|value {i}|origin=kcat"));
    }

    [Fact]
    public async Task Kcat_ConsumesWhatRunnelProduced()
    {
        var kcat = ExternalTool.Require("kcat", "kcat");
        var topic = NewTopic();
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 1);
        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Compression = CompressionType.Zstd }))
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string>
                {
                    Key = $"r{i}", Value = $"from runnel {i}", Headers = new Headers().Add("origin", "runnel"),
                }).WaitAsync(Guard);
            }
        }

        var consume = await ExternalTool.RunAsync(kcat, ["-b", silo.KafkaBootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p/%o|%k|%s|%h\\n"]);
        consume.Code.Should().Be(0, consume.Err);
        consume.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            Enumerable.Range(0, 3).Select(i => $"0/{i}|r{i}|from runnel {i}|origin=runnel"));
    }

    [Fact]
    public async Task Kcat_Metadata_ListsTheSiloAsBrokerAndTheTopicsPartitions()
    {
        var kcat = ExternalTool.Require("kcat", "kcat");
        var topic = NewTopic();
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 3);

        var listed = await ExternalTool.RunAsync(kcat, ["-b", silo.KafkaBootstrap, "-L", "-J", "-t", topic]);
        listed.Code.Should().Be(0, listed.Err);
        using var json = JsonDocument.Parse(listed.Out);
        var brokers = json.RootElement.GetProperty("brokers").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToList();
        brokers.Should().Equal($"127.0.0.1:{silo.KafkaPort}");
        var listedTopic = json.RootElement.GetProperty("topics").EnumerateArray().Single();
        listedTopic.GetProperty("topic").GetString().Should().Be(topic);
        listedTopic.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("partition").GetInt32()).Should().Equal(0, 1, 2);
    }

    [Fact]
    public async Task Kafkajs_ProducerAndConsumerGroup_RoundTrip_RunnelSeesRecordsAndCommittedOffsets()
    {
        var node = ExternalTool.Require("node", "nodejs");
        var topic = NewTopic();
        var group = "kafkajs-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 2);
        const int Count = 12;

        var script = Path.Combine(ExternalTool.RepoRoot, "tests", "Runnel.Kafka.Tests", "kafkajs", "roundtrip.js");
        var run = await ExternalTool.RunAsync(node, [script, silo.KafkaBootstrap, topic, group, Count.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromSeconds(120));
        run.Code.Should().Be(0, $"kafkajs: {run.Err}");
        using var json = JsonDocument.Parse(run.Out.Trim());
        var produced = json.RootElement.GetProperty("produced").EnumerateArray()
            .Select(p => (p.GetProperty("partition").GetInt32(), p.GetProperty("offset").GetInt64())).ToList();
        var consumed = json.RootElement.GetProperty("consumed").EnumerateArray()
            .Select(c => (Partition: c.GetProperty("partition").GetInt32(), Offset: c.GetProperty("offset").GetInt64(),
                Value: c.GetProperty("value").GetString(), Origin: c.GetProperty("origin").GetString())).ToList();
        produced.Should().HaveCount(Count).And.OnlyHaveUniqueItems();
        consumed.Select(c => (c.Partition, c.Offset)).Should().BeEquivalentTo(produced);
        consumed.Select(c => c.Value).Should().BeEquivalentTo(Enumerable.Range(0, Count).Select(i => $"kafkajs-{i}"));
        consumed.Should().OnlyContain(c => c.Origin == "kafkajs");

        var description = await connection.Admin.DescribeGroupAsync(group);
        var ends = produced.GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => g.Max(p => p.Item2) + 1);
        description.Partitions.Where(p => p.Topic == topic && ends.ContainsKey(p.Partition))
            .Select(p => (p.Partition, p.CommittedOffset)).Should().BeEquivalentTo(ends.Select(e => (e.Key, (long?)e.Value)),
                "the group committed past every record kafkajs consumed");

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign(Enumerable.Range(0, 2).Select(p => new TopicPartitionOffset(topic, p, Runnel.Client.Offset.Beginning)));
        using var cts = new CancellationTokenSource(Guard);
        var read = new List<ConsumeResult<string, string>>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            read.Add(record);
            if (read.Count == Count)
            {
                break;
            }
        }

        read.Select(r => r.Message.Key!).Should().OnlyContain(k => k.StartsWith("key-", StringComparison.Ordinal));
        read.Select(r => Encoding.UTF8.GetString(r.Message.Headers!.Single().Value!)).Should().OnlyContain(v => v == "kafkajs");
    }
}
