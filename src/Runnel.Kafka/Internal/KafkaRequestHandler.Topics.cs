using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>Kafka's <c>num.partitions</c> default, for a CreateTopics that asks for -1.</summary>
    private const int DefaultPartitions = 1;

    /// <summary>Kafka config source codes (DescribeConfigs / CreateTopics v5+).</summary>
    private const sbyte DynamicTopicConfig = 1;

    private const sbyte DefaultConfig = 5;

    /// <summary>Creates each topic through its topic grain (all at once); validate_only checks the name, the count and
    /// the config without creating anything.</summary>
    private async Task<ResponseFrame?> CreateTopicsAsync(RequestHeader header, CreateTopicsApi.Request request)
    {
        var response = new CreateTopicsApi.Response();
        response.Topics.AddRange(await Task.WhenAll(request.Topics.Select(t => CreateTopicAsync(t, request.ValidateOnly))).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<CreateTopicsApi.TopicResult> CreateTopicAsync(CreateTopicsApi.Topic topic, bool validateOnly)
    {
        if (!TopicName.IsValid(topic.Name, out var reason))
        {
            return Failed(KafkaErrorCode.InvalidTopicException, reason);
        }

        if (topic.AssignmentCount > 0 && topic.NumPartitions != -1)
        {
            return Failed(KafkaErrorCode.InvalidRequest, "Give either num_partitions or replica assignments, not both.");
        }

        var partitions = topic.AssignmentCount > 0 ? topic.AssignmentCount : topic.NumPartitions == -1 ? DefaultPartitions : topic.NumPartitions;
        if (partitions < 1)
        {
            return Failed(KafkaErrorCode.InvalidPartitions, $"The number of partitions must be at least 1 (was {topic.NumPartitions}).");
        }

        if (topic.ReplicationFactor is 0 or < -1)
        {
            return Failed(KafkaErrorCode.InvalidReplicationFactor, $"The replication factor must be -1 or positive (was {topic.ReplicationFactor}); Runnel's copies are the store's.");
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in topic.Configs)
        {
            if (value is null)
            {
                continue;
            }

            if (!TopicConfig.TryValidate(key, value, out var error))
            {
                return Failed(KafkaErrorCode.InvalidConfig, error);
            }

            overrides[key] = value;
        }

        try
        {
            TopicDescription description;
            if (validateOnly)
            {
                description = new TopicDescription(topic.Name, partitions, TopicConfig.Effective(overrides), DateTimeOffset.UtcNow);
            }
            else
            {
                description = await grains.GetGrain<ITopicGrain>(topic.Name).CreateAsync(partitions, overrides).ConfigureAwait(false);
            }

            var configs = description.Config
                .Select(c => new CreateTopicsApi.ConfigEntry(c.Key, c.Value, false, overrides.ContainsKey(c.Key) ? DynamicTopicConfig : DefaultConfig, false))
                .ToList();
            return new CreateTopicsApi.TopicResult(topic.Name, KafkaErrorCode.None, null, description.PartitionCount, 1, configs);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            var code = Fail($"CreateTopics ({topic.Name})", ex);
            return Failed(code == KafkaErrorCode.InvalidRequest ? KafkaErrorCode.InvalidPartitions : code, ex.Message);
        }

        CreateTopicsApi.TopicResult Failed(KafkaErrorCode code, string message) => new(topic.Name, code, message, -1, -1, null);
    }

    /// <summary>Deletes each topic through its topic grain (all at once).</summary>
    private async Task<ResponseFrame?> DeleteTopicsAsync(RequestHeader header, DeleteTopicsApi.Request request)
    {
        var response = new DeleteTopicsApi.Response();
        response.Topics.AddRange(await Task.WhenAll(request.TopicNames.Select(DeleteTopicAsync)).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<DeleteTopicsApi.TopicResult> DeleteTopicAsync(string name)
    {
        if (!TopicName.IsValid(name, out _))
        {
            return new DeleteTopicsApi.TopicResult(name, KafkaErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
        }

        try
        {
            await grains.GetGrain<ITopicGrain>(name).DeleteAsync().ConfigureAwait(false);
            return new DeleteTopicsApi.TopicResult(name, KafkaErrorCode.None, null);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return new DeleteTopicsApi.TopicResult(name, Fail($"DeleteTopics ({name})", ex), ex.Message);
        }
    }
}
