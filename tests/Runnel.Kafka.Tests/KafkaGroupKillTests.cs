using System.Globalization;
using Runnel.Testing;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>A Confluent consumer group through a silo that is killed (SIGKILL) or stopped (SIGTERM) in the middle of
/// consumption and started again on the same data directory and ports: no acknowledged commit is lost, the consumer
/// rejoins on its own and reads every record (at least once: what was read after its last commit is read again).</summary>
public sealed class KafkaGroupKillTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _data = new("runnel-kafka-kill");
    private readonly int _port = FreePort.Next();
    private readonly int _siloPort = FreePort.Next();
    private readonly int _httpPort = FreePort.Next();
    private readonly int _kafkaPort = FreePort.Next();
    private ChildProcess? _silo;

    private string Bootstrap => $"127.0.0.1:{_kafkaPort}";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SubscribedConsumer_SiloKilledOrStoppedMidConsumption_CommitsKeptConsumerRejoinsAndReadsEverything(bool kill)
    {
        await StartSiloAsync();
        const string Topic = "kill-orders";
        const int Partitions = 4;
        const int PerPartition = 50;
        using (var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = Bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new CK.Admin.TopicSpecification { Name = Topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        }

        using (var producer = new CK.ProducerBuilder<string, string>(new CK.ProducerConfig { BootstrapServers = Bootstrap, EnableIdempotence = true, LingerMs = 5 }).Build())
        {
            for (var p = 0; p < Partitions; p++)
            {
                for (var i = 0; i < PerPartition; i++)
                {
                    producer.Produce(new CK.TopicPartition(Topic, p), new CK.Message<string, string> { Key = $"k{i}", Value = $"{p}-{i}" });
                }
            }

            producer.Flush(Guard).Should().Be(0);
        }

        var config = new CK.ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = "kill-group",
            EnableAutoCommit = false,
            AutoOffsetReset = CK.AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 100,
            SocketTimeoutMs = 10_000,
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 300,
            MaxPollIntervalMs = 60_000,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 500,
        };
        using var consumer = new CK.ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(Topic);
        var seen = new HashSet<(int Partition, long Offset)>();
        var acknowledged = new Dictionary<int, long>();
        using var cts = new CancellationTokenSource(Guard);

        void ConsumeUntil(Func<bool> done)
        {
            while (!done())
            {
                cts.Token.ThrowIfCancellationRequested();
                CK.ConsumeResult<string, string>? record;
                try
                {
                    record = consumer.Consume(TimeSpan.FromMilliseconds(100));
                }
                catch (CK.ConsumeException)
                {
                    continue; // the broker went away under a fetch: librdkafka reconnects
                }

                if (record is null)
                {
                    continue;
                }

                seen.Add((record.Partition.Value, record.Offset.Value));
                try
                {
                    consumer.Commit(record);
                    acknowledged[record.Partition.Value] = record.Offset.Value + 1;
                }
                catch (CK.KafkaException)
                {
                    // Not acknowledged (the silo died under it, or the member must rejoin): nothing is promised.
                }
            }
        }

        ConsumeUntil(() => seen.Count >= Partitions * PerPartition / 2);
        var before = new Dictionary<int, long>(acknowledged);

        if (kill)
        {
            _silo!.Dispose();
        }
        else
        {
            _silo!.Terminate();
            (await _silo.WaitForExitAsync()).Should().Be(0);
            _silo.Dispose();
        }

        await StartSiloAsync();

        // Nothing acknowledged is lost: a fresh look at the group's commits is at or past every acknowledged one.
        using (var observer = new CK.ConsumerBuilder<string, string>(config).Build())
        {
            var committed = observer.Committed([.. before.Keys.Select(p => new CK.TopicPartition(Topic, p))], Guard);
            foreach (var c in committed)
            {
                c.Offset.Value.Should().BeGreaterThanOrEqualTo(before[c.Partition.Value], $"partition {c.Partition.Value}'s commit was acknowledged before the {(kill ? "kill" : "stop")}");
            }
        }

        ConsumeUntil(() => seen.Count == Partitions * PerPartition);
        seen.Should().BeEquivalentTo(Enumerable.Range(0, Partitions).SelectMany(p => Enumerable.Range(0, PerPartition).Select(i => (p, (long)i))));
        consumer.Close();
    }

    private async Task StartSiloAsync()
    {
        _silo = ChildProcess.Start(
            ChildProcess.BuiltAssembly("Silo", "runnel-silo"),
            ["--data-dir", _data.Path, "--port", Str(_port), "--silo-port", Str(_siloPort), "--http-port", Str(_httpPort), "--kafka-port", Str(_kafkaPort), "--cluster", "kafka-kill"],
            workingDirectory: _data.Path);
        await _silo.WaitForLineAsync(l => l.Contains(" ready: ", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _silo?.Dispose();
        _data.Dispose();
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
