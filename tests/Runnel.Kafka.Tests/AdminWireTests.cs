using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;
using Change = Runnel.Kafka.Protocol.Messages.IncrementalAlterConfigsApi.ConfigChange;

namespace Runnel.Kafka.Tests;

/// <summary>The admin APIs' edges no client library sends on its own: resource types Runnel has no configs for,
/// unknown operations, list operations on scalar configs, validate_only, CreatePartitions with assignments.</summary>
public sealed class AdminWireTests(KafkaSiloFixture silo) : IClassFixture<KafkaSiloFixture>
{
    [Fact]
    public async Task DescribeAndAlterConfigs_EdgeCases_AnswerKafkaCodesAndChangeNothing()
    {
        var topic = "wire-admin-" + Guid.NewGuid().ToString("N")[..8];
        await using var client = await KafkaWireClient.ConnectAsync(silo.KafkaPort);
        await client.CreateTopicAsync(topic, 2);

        var described = await client.CallAsync(ApiKey.DescribeConfigs, 4, (ref KafkaWriter w) =>
        {
            var request = new DescribeConfigsApi.Request();
            request.Resources.Add(new DescribeConfigsApi.Resource(DescribeConfigsApi.TopicResource, topic, ["retention.ms", "no.such.key"]));
            request.Resources.Add(new DescribeConfigsApi.Resource(DescribeConfigsApi.BrokerResource, "0", null));
            request.Resources.Add(new DescribeConfigsApi.Resource(8, "root", null));
            request.Write(ref w, 4);
        }, (ref KafkaReader r) => DescribeConfigsApi.Response.Read(ref r, 4));
        described.Results[0].ErrorCode.Should().Be(KafkaErrorCode.None);
        described.Results[0].Configs.Select(c => (c.Name, c.Value, c.Source, c.ConfigType)).Should().Equal(
            ("retention.ms", "604800000", DescribeConfigsApi.DefaultConfig, DescribeConfigsApi.LongType));
        (described.Results[1].ErrorCode, described.Results[1].Configs.Count).Should().Be((KafkaErrorCode.None, 0));
        described.Results[2].ErrorCode.Should().Be(KafkaErrorCode.InvalidRequest);

        async Task<IncrementalAlterConfigsApi.Result> AlterAsync(bool validateOnly, params Change[] changes)
        {
            var response = await client.CallAsync(ApiKey.IncrementalAlterConfigs, 1, (ref KafkaWriter w) =>
            {
                var request = new IncrementalAlterConfigsApi.Request { ValidateOnly = validateOnly };
                request.Resources.Add(new IncrementalAlterConfigsApi.Resource(DescribeConfigsApi.TopicResource, topic, changes));
                request.Write(ref w, 1);
            }, (ref KafkaReader r) => IncrementalAlterConfigsApi.Response.Read(ref r, 1));
            return response.Results.Single();
        }

        (await AlterAsync(false, new Change("retention.ms", 9, "1"))).ErrorCode.Should().Be(KafkaErrorCode.InvalidRequest);
        (await AlterAsync(false, new Change("retention.ms", IncrementalAlterConfigsApi.Append, "1"))).ErrorCode.Should().Be(KafkaErrorCode.InvalidConfig);
        (await AlterAsync(false, new Change("retention.ms", IncrementalAlterConfigsApi.Set, "1"), new Change("retention.ms", IncrementalAlterConfigsApi.Delete, null)))
            .ErrorCode.Should().Be(KafkaErrorCode.InvalidRequest);
        (await AlterAsync(true, new Change("retention.ms", IncrementalAlterConfigsApi.Set, "1000"))).ErrorCode.Should().Be(KafkaErrorCode.None);
        (await AlterAsync(false, new Change("cleanup.policy", IncrementalAlterConfigsApi.Subtract, "delete"))).ErrorCode
            .Should().Be(KafkaErrorCode.InvalidConfig, "cleanup.policy cannot be left empty");

        var after = await client.CallAsync(ApiKey.DescribeConfigs, 4, (ref KafkaWriter w) =>
        {
            var request = new DescribeConfigsApi.Request();
            request.Resources.Add(new DescribeConfigsApi.Resource(DescribeConfigsApi.TopicResource, topic, ["retention.ms", "cleanup.policy"]));
            request.Write(ref w, 4);
        }, (ref KafkaReader r) => DescribeConfigsApi.Response.Read(ref r, 4));
        after.Results.Single().Configs.Select(c => (c.Name, c.Value)).Should().Equal(("retention.ms", "604800000"), ("cleanup.policy", "delete"));

        var partitions = await client.CallAsync(ApiKey.CreatePartitions, 3, (ref KafkaWriter w) =>
        {
            var request = new CreatePartitionsApi.Request { ValidateOnly = false };
            request.Topics.Add(new CreatePartitionsApi.Topic(topic, 4, 2));
            request.Write(ref w, 3);
        }, (ref KafkaReader r) => CreatePartitionsApi.Response.Read(ref r, 3));
        partitions.Results.Single().ErrorCode.Should().Be(KafkaErrorCode.InvalidReplicaAssignment);
        var validated = await client.CallAsync(ApiKey.CreatePartitions, 3, (ref KafkaWriter w) =>
        {
            var request = new CreatePartitionsApi.Request { ValidateOnly = true };
            request.Topics.Add(new CreatePartitionsApi.Topic(topic, 4, null));
            request.Topics.Add(new CreatePartitionsApi.Topic(topic + "-missing", 4, null));
            request.Write(ref w, 3);
        }, (ref KafkaReader r) => CreatePartitionsApi.Response.Read(ref r, 3));
        validated.Results.Select(r => r.ErrorCode).Should().Equal(KafkaErrorCode.None, KafkaErrorCode.UnknownTopicOrPartition);
        var metadata = await client.CallAsync(ApiKey.Metadata, 12, (ref KafkaWriter w) => new MetadataApi.Request { Topics = [topic] }.Write(ref w, 12),
            (ref KafkaReader r) => MetadataApi.Response.Read(ref r, 12));
        metadata.Topics.Single().Partitions.Should().HaveCount(2, "validate_only and a refused request add nothing");
    }
}
