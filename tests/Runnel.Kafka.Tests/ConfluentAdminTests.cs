using Confluent.Kafka.Admin;
using Runnel.Client;
using CK = Confluent.Kafka;

namespace Runnel.Kafka.Tests;

/// <summary>Confluent.Kafka's AdminClient against a real silo: CreatePartitions, DescribeConfigs,
/// IncrementalAlterConfigs and DeleteRecords change what Runnel's own client sees.</summary>
public sealed class ConfluentAdminTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static string NewTopic() => "admin-" + Guid.NewGuid().ToString("N")[..10];

    private CK.IAdminClient Admin() => new CK.AdminClientBuilder(new CK.AdminClientConfig { BootstrapServers = silo.KafkaBootstrap }).Build();

    [Fact]
    public async Task CreatePartitions_GrowsTheTopic_NewPartitionTakesRecords_ShrinkingIsRefused()
    {
        var topic = NewTopic();
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);

        await using var connection = await silo.ConnectAsync();
        (await connection.Admin.DescribeTopicAsync(topic)).PartitionCount.Should().Be(5);
        admin.GetMetadata(topic, Guard).Topics.Single().Partitions.Should().HaveCount(5);
        using (var producer = new CK.ProducerBuilder<CK.Null, string>(new CK.ProducerConfig { BootstrapServers = silo.KafkaBootstrap, EnableIdempotence = true }).Build())
        {
            var delivered = await producer.ProduceAsync(new CK.TopicPartition(topic, 4), new CK.Message<CK.Null, string> { Value = "on the new partition" }).WaitAsync(Guard);
            (delivered.Partition.Value, delivered.Offset.Value).Should().Be((4, 0));
        }

        var shrink = () => admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 3 }]);
        var refused = (await shrink.Should().ThrowAsync<CreatePartitionsException>()).Which.Results.Single();
        refused.Error.Code.Should().Be(CK.ErrorCode.InvalidPartitions);
        refused.Error.Reason.Should().Contain("5");
        (await connection.Admin.DescribeTopicAsync(topic)).PartitionCount.Should().Be(5);

        var unknown = () => admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = NewTopic(), IncreaseTo = 3 }]);
        (await unknown.Should().ThrowAsync<CreatePartitionsException>()).Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.UnknownTopicOrPart);
    }

    [Fact]
    public async Task DescribeConfigs_ShowsOverridesAsDynamicAndTheRestAsDefaults()
    {
        var topic = NewTopic();
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = new Dictionary<string, string> { ["retention.ms"] = "3600000" },
        }]);

        var described = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }])).Single();
        described.Entries.Keys.Should().BeEquivalentTo(Runnel.Grains.TopicConfig.Keys);
        described.Entries["retention.ms"].Value.Should().Be("3600000");
        described.Entries["retention.ms"].Source.Should().Be(ConfigSource.DynamicTopicConfig);
        described.Entries["cleanup.policy"].Value.Should().Be("delete");
        described.Entries["cleanup.policy"].IsDefault.Should().BeTrue();

        var missing = () => admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = NewTopic() }]);
        (await missing.Should().ThrowAsync<DescribeConfigsException>()).Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.UnknownTopicOrPart);
    }

    [Fact]
    public async Task IncrementalAlterConfigs_SetDeleteAppend_RunnelSeesThem_UnknownKeyIsInvalidConfigAndChangesNothing()
    {
        var topic = NewTopic();
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = new Dictionary<string, string> { ["segment.bytes"] = "1048576" },
        }]);
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };

        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", Value = "120000", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "segment.bytes", IncrementalOperation = AlterConfigOpType.Delete },
                new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Append },
            ],
        });

        await using var connection = await silo.ConnectAsync();
        var config = (await connection.Admin.DescribeTopicAsync(topic)).Config;
        config["retention.ms"].Should().Be("120000");
        config["segment.bytes"].Should().Be(Runnel.Grains.TopicConfig.Defaults["segment.bytes"]);
        config["cleanup.policy"].Should().Be("delete,compact");

        var bad = () => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", Value = "1", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "no.such.config", Value = "1", IncrementalOperation = AlterConfigOpType.Set },
            ],
        });
        var report = (await bad.Should().ThrowAsync<IncrementalAlterConfigsException>()).Which.Results.Single();
        report.Error.Code.Should().Be(CK.ErrorCode.InvalidConfig);
        report.Error.Reason.Should().Contain("no.such.config");
        (await connection.Admin.DescribeTopicAsync(topic)).Config["retention.ms"].Should().Be("120000", "a refused request changes nothing");

        var badValue = () => admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "retention.ms", Value = "soon", IncrementalOperation = AlterConfigOpType.Set }],
        });
        (await badValue.Should().ThrowAsync<IncrementalAlterConfigsException>()).Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.InvalidConfig);
    }

    [Fact]
    public async Task DeleteRecords_MovesTheLowWatermark_ConsumersStartThere()
    {
        var topic = NewTopic();
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        var tp = new CK.TopicPartition(topic, 0);
        using (var producer = new CK.ProducerBuilder<CK.Null, string>(new CK.ProducerConfig { BootstrapServers = silo.KafkaBootstrap, EnableIdempotence = true }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(tp, new CK.Message<CK.Null, string> { Value = $"v{i}" }).WaitAsync(Guard);
            }
        }

        var deleted = await admin.DeleteRecordsAsync([new CK.TopicPartitionOffset(tp, 4)]);
        deleted.Single().Offset.Value.Should().Be(4);

        using var consumer = new CK.ConsumerBuilder<CK.Ignore, string>(new CK.ConsumerConfig
        {
            BootstrapServers = silo.KafkaBootstrap, GroupId = "unused", EnableAutoCommit = false, AutoOffsetReset = CK.AutoOffsetReset.Earliest,
        }).Build();
        var watermarks = consumer.QueryWatermarkOffsets(tp, Guard);
        (watermarks.Low.Value, watermarks.High.Value).Should().Be((4, 10));
        consumer.Assign(new CK.TopicPartitionOffset(tp, CK.Offset.Beginning));
        var first = consumer.Consume(Guard);
        (first.Offset.Value, first.Message.Value).Should().Be((4, "v4"));

        await using var connection = await silo.ConnectAsync();
        (await connection.Admin.GetPartitionOffsetsAsync(new TopicPartition(topic, 0))).LogStartOffset.Should().Be(4);

        var past = () => admin.DeleteRecordsAsync([new CK.TopicPartitionOffset(tp, 11)]);
        (await past.Should().ThrowAsync<DeleteRecordsException>()).Which.Results.Single().Error.Code.Should().Be(CK.ErrorCode.OffsetOutOfRange);
        var all = await admin.DeleteRecordsAsync([new CK.TopicPartitionOffset(tp, CK.Offset.End)]);
        all.Single().Offset.Value.Should().Be(10, "-1 deletes up to the high watermark");
    }
}
