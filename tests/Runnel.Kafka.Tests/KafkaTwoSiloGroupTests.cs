using System.Globalization;
using Runnel.Testing;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>Two silos of one cluster, each a Kafka broker, and one consumer connected to each: both brokers coordinate
/// the same group (the group is one grain, reached from either silo), so the two consumers split the partitions as
/// members of one group and each broker describes the same membership.</summary>
public sealed class KafkaTwoSiloGroupTests : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _data = new("runnel-kafka-two");
    private readonly List<ChildProcess> _silos = [];
    private readonly List<string> _bootstraps = [];

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 2; i++)
        {
            var kafkaPort = FreePort.Next();
            var silo = ChildProcess.Start(
                ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
                ["--data-dir", _data.Path, "--port", Str(FreePort.Next()), "--silo-port", Str(FreePort.Next()), "--http-port", Str(FreePort.Next()), "--kafka-port", Str(kafkaPort), "--cluster", "kafka-two"],
                workingDirectory: _data.Path);
            _silos.Add(silo);
            await silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
            _bootstraps.Add($"127.0.0.1:{kafkaPort}");
        }
    }

    [Fact]
    public async Task OneConsumerPerSilo_SameGroup_SplitPartitionsAndBothBrokersDescribeOneGroup()
    {
        const string Topic = "two-silo";
        const string Group = "two-silo-group";
        const int Partitions = 4;
        const int PerPartition = 10;
        using (var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = _bootstraps[0] }).Build())
        {
            await admin.CreateTopicsAsync([new CK.Admin.TopicSpecification { Name = Topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        }

        using (var producer = new CK.ProducerBuilder<string, string>(new CK.ProducerConfig { BootstrapServers = _bootstraps[1], EnableIdempotence = true }).Build())
        {
            for (var p = 0; p < Partitions; p++)
            {
                for (var i = 0; i < PerPartition; i++)
                {
                    producer.Produce(new CK.TopicPartition(Topic, p), new CK.Message<string, string> { Key = "k", Value = $"{p}-{i}" });
                }
            }

            producer.Flush(Guard).Should().Be(0);
        }

        CK.ConsumerConfig Config(string bootstrap) => new()
        {
            BootstrapServers = bootstrap,
            GroupId = Group,
            EnableAutoCommit = false,
            AutoOffsetReset = CK.AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 300,
            MaxPollIntervalMs = 20_000,
        };

        using var a = new CK.ConsumerBuilder<string, string>(Config(_bootstraps[0])).Build();
        using var b = new CK.ConsumerBuilder<string, string>(Config(_bootstraps[1])).Build();
        a.Subscribe(Topic);
        b.Subscribe(Topic);
        var seen = new Dictionary<(int, long), int>();
        using var cts = new CancellationTokenSource(Guard);
        while (!(seen.Count == Partitions * PerPartition && a.Assignment.Count == 2 && b.Assignment.Count == 2))
        {
            cts.Token.ThrowIfCancellationRequested();
            foreach (var consumer in new[] { a, b })
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
                {
                    seen[(record.Partition.Value, record.Offset.Value)] = seen.GetValueOrDefault((record.Partition.Value, record.Offset.Value)) + 1;
                    consumer.Commit(record);
                }
            }
        }

        a.Assignment.Concat(b.Assignment).Select(tp => tp.Partition.Value).Should().BeEquivalentTo(Enumerable.Range(0, Partitions));
        seen.Values.Should().OnlyContain(n => n == 1);
        foreach (var bootstrap in _bootstraps)
        {
            using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = bootstrap }).Build();
            var description = (await admin.DescribeConsumerGroupsAsync([Group])).ConsumerGroupDescriptions.Single();
            description.Members.Select(m => m.ConsumerId).Should().BeEquivalentTo([a.MemberId, b.MemberId], $"broker {bootstrap} describes the one group");
        }

        a.Close();
        b.Close();
    }

    public Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        _data.Dispose();
        return Task.CompletedTask;
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
