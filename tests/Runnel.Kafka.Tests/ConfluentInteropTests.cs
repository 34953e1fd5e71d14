using System.Text;
using Runnel.Client;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>Confluent.Kafka (librdkafka) against a real silo's Kafka listener, and Runnel's own client on the same
/// topics: records cross between the two unchanged.</summary>
public sealed class ConfluentInteropTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static string NewTopic() => "kafka-" + Guid.NewGuid().ToString("N")[..10];

    private CK.ProducerConfig ProducerConfig(CK.CompressionType compression = CK.CompressionType.None) => new()
    {
        BootstrapServers = silo.KafkaBootstrap,
        EnableIdempotence = true,
        Acks = CK.Acks.All,
        CompressionType = compression,
        LingerMs = 5,
        MessageTimeoutMs = 30_000,
        SocketTimeoutMs = 10_000,
    };

    private CK.ConsumerConfig ConsumerConfig() => new()
    {
        BootstrapServers = silo.KafkaBootstrap,
        GroupId = "unused-assign-only",
        EnableAutoCommit = false,
        FetchWaitMaxMs = 100,
        SocketTimeoutMs = 10_000,
    };

    [Theory]
    [InlineData(CK.CompressionType.None)]
    [InlineData(CK.CompressionType.Gzip)]
    [InlineData(CK.CompressionType.Snappy)]
    [InlineData(CK.CompressionType.Lz4)]
    [InlineData(CK.CompressionType.Zstd)]
    public async Task ConfluentIdempotentProducer_KeyedRecordsWithHeaders_RunnelAndConfluentConsumersReadSameOffsetsKeysValuesHeadersTimestamps(CK.CompressionType compression)
    {
        var topic = NewTopic();
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 3);

        const int Count = 60;
        var baseTime = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        var delivered = new List<CK.DeliveryResult<string, string>>();
        using (var producer = new CK.ProducerBuilder<string, string>(ProducerConfig(compression)).Build())
        {
            for (var i = 0; i < Count; i++)
            {
                var message = new CK.Message<string, string>
                {
                    Key = $"key-{i % 5}",
                    Value = $"value-{i}",
                    Timestamp = new CK.Timestamp(baseTime + i, CK.TimestampType.CreateTime),
                    Headers = new CK.Headers { { "trace", Encoding.UTF8.GetBytes($"t{i}") }, { "empty", [] } },
                };
                delivered.Add(await producer.ProduceAsync(topic, message).WaitAsync(Guard));
            }

            producer.Flush(Guard);
        }

        delivered.Should().OnlyContain(d => d.Status == CK.PersistenceStatus.Persisted);
        var byPartition = delivered.GroupBy(d => d.Partition.Value).ToDictionary(g => g.Key, g => g.Select(d => d.Offset.Value).ToList());
        byPartition.Values.Should().OnlyContain(offsets => offsets.SequenceEqual(Enumerable.Range(0, offsets.Count).Select(o => (long)o)),
            "each partition's offsets run from 0 without gaps or duplicates");

        await using var consumer = connection.CreateConsumer<string, string>();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Runnel.Client.Offset.Beginning)));
        using var cts = new CancellationTokenSource(Guard);
        var read = new Dictionary<(int Partition, long Offset), ConsumeResult<string, string>>();
        await foreach (var record in consumer.ConsumeAsync(cts.Token))
        {
            read[(record.Partition, record.Offset)] = record;
            if (read.Count == Count)
            {
                break;
            }
        }

        foreach (var d in delivered)
        {
            var record = read[(d.Partition.Value, d.Offset.Value)];
            record.Message.Key.Should().Be(d.Message.Key);
            record.Message.Value.Should().Be(d.Message.Value);
            record.Message.Timestamp!.Value.ToUnixTimeMilliseconds().Should().Be(d.Message.Timestamp.UnixTimestampMs);
            record.Message.Headers!.Select(h => (h.Key, Encoding.UTF8.GetString(h.Value ?? [])))
                .Should().Equal(d.Message.Headers.Select(h => (h.Key, Encoding.UTF8.GetString(h.GetValueBytes()))));
        }

        // The batches are stored as the producer compressed them: a Kafka consumer decodes the same codec back.
        var seen = ConfluentReadAll<string, string>(topic, 3, Count);
        foreach (var d in delivered)
        {
            var record = seen[(d.Partition.Value, d.Offset.Value)];
            record.Message.Key.Should().Be(d.Message.Key);
            record.Message.Value.Should().Be(d.Message.Value);
            record.Message.Timestamp.UnixTimestampMs.Should().Be(d.Message.Timestamp.UnixTimestampMs);
            Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("trace")).Should().Be(Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes("trace")));
        }
    }

    private Dictionary<(int Partition, long Offset), CK.ConsumeResult<TKey, TValue>> ConfluentReadAll<TKey, TValue>(string topic, int partitions, int count)
    {
        using var consumer = new CK.ConsumerBuilder<TKey, TValue>(ConsumerConfig()).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new CK.TopicPartitionOffset(topic, p, CK.Offset.Beginning)));
        var seen = new Dictionary<(int, long), CK.ConsumeResult<TKey, TValue>>();
        var deadline = DateTime.UtcNow + Guard;
        while (seen.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is { IsPartitionEOF: false })
            {
                seen[(result.Partition.Value, result.Offset.Value)] = result;
            }
        }

        seen.Should().HaveCount(count);
        return seen;
    }

    [Theory]
    [InlineData(Runnel.Client.CompressionType.None)]
    [InlineData(Runnel.Client.CompressionType.Gzip)]
    [InlineData(Runnel.Client.CompressionType.Snappy)]
    [InlineData(Runnel.Client.CompressionType.Lz4)]
    [InlineData(Runnel.Client.CompressionType.Zstd)]
    public async Task RunnelProducer_Records_ConfluentAssignConsumerReadsThem(Runnel.Client.CompressionType compression)
    {
        var topic = NewTopic();
        await using var connection = await silo.ConnectAsync();
        await connection.Admin.CreateTopicAsync(topic, 2);
        const int Count = 40;
        var produced = new List<DeliveryResult<string, string>>();
        await using (var producer = connection.CreateProducer<string, string>(ProducerOptions.Default with { Compression = compression }))
        {
            for (var i = 0; i < Count; i++)
            {
                produced.Add(await producer.ProduceAsync(topic, new Runnel.Client.Message<string, string>
                {
                    Key = $"k{i % 4}",
                    Value = $"runnel-{i}",
                    Headers = new Runnel.Client.Headers().Add("origin", "runnel"),
                }).WaitAsync(Guard));
            }
        }

        var seen = ConfluentReadAll<string, string>(topic, 2, Count);
        foreach (var p in produced)
        {
            var record = seen[(p.Partition, p.Offset)];
            record.Message.Key.Should().Be(p.Message.Key);
            record.Message.Value.Should().Be(p.Message.Value);
            record.Message.Timestamp.UnixTimestampMs.Should().Be(p.Timestamp.ToUnixTimeMilliseconds());
            Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("origin")).Should().Be("runnel");
        }
    }

    [Fact]
    public async Task ConfluentConsumer_OffsetsForTimes_FirstRecordAtOrAfterEachTimestamp()
    {
        var topic = NewTopic();
        using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        var baseTime = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        using (var producer = new CK.ProducerBuilder<CK.Null, string>(ProducerConfig()).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(new CK.TopicPartition(topic, 0), new CK.Message<CK.Null, string>
                {
                    Value = $"v{i}",
                    Timestamp = new CK.Timestamp(baseTime + (i * 1000), CK.TimestampType.CreateTime),
                }).WaitAsync(Guard);
            }
        }

        using var consumer = new CK.ConsumerBuilder<CK.Ignore, string>(ConsumerConfig()).Build();
        var tp = new CK.TopicPartition(topic, 0);
        var found = consumer.OffsetsForTimes([new CK.TopicPartitionTimestamp(tp, new CK.Timestamp(baseTime + 3500, CK.TimestampType.CreateTime))], Guard);
        found.Single().Offset.Value.Should().Be(4, "record 4 is the first at or after +3.5 s");
        var past = consumer.OffsetsForTimes([new CK.TopicPartitionTimestamp(tp, new CK.Timestamp(baseTime + 60_000, CK.TimestampType.CreateTime))], Guard);
        past.Single().Offset.Should().Be(CK.Offset.End, "no record is that late");
        var watermarks = consumer.QueryWatermarkOffsets(tp, Guard);
        (watermarks.Low.Value, watermarks.High.Value).Should().Be((0, 10));
    }

    [Fact]
    public async Task ConfluentAdmin_CreateTopics_TopicExistsForRunnelAndDuplicateIsRefused()
    {
        var topic = NewTopic();
        using var admin = new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
        {
            Name = topic,
            NumPartitions = 4,
            ReplicationFactor = 3,
            Configs = new Dictionary<string, string> { ["retention.ms"] = "3600000" },
        }]);

        await using var connection = await silo.ConnectAsync();
        var description = await connection.Admin.DescribeTopicAsync(topic);
        description.PartitionCount.Should().Be(4);
        description.Config["retention.ms"].Should().Be("3600000");

        var metadata = admin.GetMetadata(topic, Guard);
        metadata.Topics.Single().Partitions.Should().HaveCount(4);
        metadata.Brokers.Single().Port.Should().Be(silo.KafkaPort);

        var again = () => admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        (await again.Should().ThrowAsync<Confluent.Kafka.Admin.CreateTopicsException>())
            .Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.TopicAlreadyExists);

        var badConfig = () => admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
        {
            Name = NewTopic(), NumPartitions = 1, ReplicationFactor = 1, Configs = new Dictionary<string, string> { ["no.such.key"] = "1" },
        }]);
        (await badConfig.Should().ThrowAsync<Confluent.Kafka.Admin.CreateTopicsException>())
            .Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.InvalidConfig);

        await admin.DeleteTopicsAsync([topic]);
        var gone = () => connection.Admin.DescribeTopicAsync(topic);
        (await gone.Should().ThrowAsync<RunnelException>()).Which.Code.Should().Be(RunnelErrorCode.UnknownTopic);
    }

    [Fact]
    public async Task ConfluentProducer_UnknownTopic_FailsWithUnknownTopicAndSiloStaysUp()
    {
        var config = ProducerConfig();
        config.MessageTimeoutMs = 3000;
        using var producer = new CK.ProducerBuilder<CK.Null, string>(config).Build();
        var produce = () => producer.ProduceAsync("no-such-topic-" + Guid.NewGuid().ToString("N")[..6], new CK.Message<CK.Null, string> { Value = "x" });
        (await produce.Should().ThrowAsync<CK.ProduceException<CK.Null, string>>())
            .Which.Error.Code.Should().BeOneOf(CK.ErrorCode.Local_UnknownTopic, CK.ErrorCode.UnknownTopicOrPart, CK.ErrorCode.Local_MsgTimedOut);
        silo.HasExited.Should().BeFalse();
    }
}
