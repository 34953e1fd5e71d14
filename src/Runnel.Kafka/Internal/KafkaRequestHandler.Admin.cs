using System.Globalization;
using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>DeleteRecords: each partition's log start moves up to the offset (-1: the high watermark) through its
    /// partition grain (all at once); the result is the new low watermark.</summary>
    private async Task<ResponseFrame?> DeleteRecordsAsync(RequestHeader header, DeleteRecordsApi.Request request)
    {
        var topics = request.Topics.Select(async topic => new DeleteRecordsApi.TopicResult(
            topic.Name,
            await Task.WhenAll(topic.Partitions.Select(p => DeletePartitionRecordsAsync(topic.Name, p))).ConfigureAwait(false)));
        var response = new DeleteRecordsApi.Response();
        response.Topics.AddRange(await Task.WhenAll(topics).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<DeleteRecordsApi.PartitionResult> DeletePartitionRecordsAsync(string topic, DeleteRecordsApi.PartitionRequest partition)
    {
        if (!TopicName.IsValid(topic, out _) || partition.PartitionIndex < 0)
        {
            return new DeleteRecordsApi.PartitionResult(partition.PartitionIndex, -1, KafkaErrorCode.UnknownTopicOrPartition);
        }

        if (partition.Offset < -1)
        {
            return new DeleteRecordsApi.PartitionResult(partition.PartitionIndex, -1, KafkaErrorCode.OffsetOutOfRange);
        }

        try
        {
            var grain = grains.GetGrain<IPartitionGrain>(PartitionKey.Format(topic, partition.PartitionIndex));
            var low = await grain.DeleteRecordsAsync(partition.Offset).ConfigureAwait(false);
            return new DeleteRecordsApi.PartitionResult(partition.PartitionIndex, low, KafkaErrorCode.None);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return new DeleteRecordsApi.PartitionResult(partition.PartitionIndex, -1, Fail($"DeleteRecords ({topic}-{partition.PartitionIndex})", ex));
        }
    }

    /// <summary>CreatePartitions: grows each topic to its new total through its topic grain (never shrinks; replica
    /// assignments are refused: Runnel's copies are the store's). validate_only checks the count against the topic.</summary>
    private async Task<ResponseFrame?> CreatePartitionsAsync(RequestHeader header, CreatePartitionsApi.Request request)
    {
        var response = new CreatePartitionsApi.Response();
        response.Results.AddRange(await Task.WhenAll(request.Topics.Select(t => CreateTopicPartitionsAsync(t, request.ValidateOnly))).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<CreatePartitionsApi.TopicResult> CreateTopicPartitionsAsync(CreatePartitionsApi.Topic topic, bool validateOnly)
    {
        if (!TopicName.IsValid(topic.Name, out _))
        {
            return Failed(KafkaErrorCode.UnknownTopicOrPartition, $"Topic '{topic.Name}' does not exist.");
        }

        if (topic.AssignmentCount is > 0)
        {
            return Failed(KafkaErrorCode.InvalidReplicaAssignment, "Replica assignments are not taken: a Runnel partition's copies are the store's.");
        }

        try
        {
            var grain = grains.GetGrain<ITopicGrain>(topic.Name);
            if (validateOnly)
            {
                var current = await grain.DescribeAsync().ConfigureAwait(false);
                return topic.Count > current.PartitionCount
                    ? new CreatePartitionsApi.TopicResult(topic.Name, KafkaErrorCode.None, null)
                    : Failed(KafkaErrorCode.InvalidPartitions, $"Topic '{topic.Name}' has {current.PartitionCount} partitions; the new count ({topic.Count}) must be larger.");
            }

            await grain.AddPartitionsAsync(topic.Count).ConfigureAwait(false);
            return new CreatePartitionsApi.TopicResult(topic.Name, KafkaErrorCode.None, null);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            var code = Fail($"CreatePartitions ({topic.Name})", ex);
            return Failed(code == KafkaErrorCode.InvalidRequest ? KafkaErrorCode.InvalidPartitions : code, ex.Message);
        }

        CreatePartitionsApi.TopicResult Failed(KafkaErrorCode code, string message) => new(topic.Name, code, message);
    }

    /// <summary>DescribeConfigs: a topic's effective config (every key Runnel knows, or the ones asked for; an unknown
    /// key asked for is left out, as Kafka does). A value that differs from the default is reported as a dynamic topic
    /// config, the rest as defaults. A broker resource has no configs to show.</summary>
    private async Task<ResponseFrame?> DescribeConfigsAsync(RequestHeader header, DescribeConfigsApi.Request request)
    {
        var response = new DescribeConfigsApi.Response();
        response.Results.AddRange(await Task.WhenAll(request.Resources.Select(r => DescribeResourceAsync(r, request.IncludeDocumentation))).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<DescribeConfigsApi.Result> DescribeResourceAsync(DescribeConfigsApi.Resource resource, bool documentation)
    {
        switch (resource.ResourceType)
        {
            case DescribeConfigsApi.BrokerResource:
                return new DescribeConfigsApi.Result(KafkaErrorCode.None, null, resource.ResourceType, resource.ResourceName, []);
            case not DescribeConfigsApi.TopicResource:
                return Failed(KafkaErrorCode.InvalidRequest, $"Resource type {resource.ResourceType} has no configs here: only topics (2) and brokers (4).");
        }

        if (!TopicName.IsValid(resource.ResourceName, out _))
        {
            return Failed(KafkaErrorCode.UnknownTopicOrPartition, $"Topic '{resource.ResourceName}' does not exist.");
        }

        try
        {
            var description = await grains.GetGrain<ITopicGrain>(resource.ResourceName).DescribeAsync().ConfigureAwait(false);
            var keys = resource.ConfigurationKeys is { } asked ? asked.Where(description.Config.ContainsKey) : TopicConfig.Keys;
            var configs = keys.Select(key =>
            {
                var value = description.Config[key];
                var source = string.Equals(value, TopicConfig.Defaults[key], StringComparison.Ordinal) ? DescribeConfigsApi.DefaultConfig : DescribeConfigsApi.DynamicTopicConfig;
                return new DescribeConfigsApi.Config(key, value, ReadOnly: false, source, IsSensitive: false, ConfigTypeOf(key), documentation ? $"Runnel topic config {key}." : null);
            }).ToList();
            return new DescribeConfigsApi.Result(KafkaErrorCode.None, null, resource.ResourceType, resource.ResourceName, configs);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return Failed(Fail($"DescribeConfigs ({resource.ResourceName})", ex), ex.Message);
        }

        DescribeConfigsApi.Result Failed(KafkaErrorCode code, string message) => new(code, message, resource.ResourceType, resource.ResourceName, []);
    }

    private static sbyte ConfigTypeOf(string key) => key switch
    {
        TopicConfig.CleanupPolicy => DescribeConfigsApi.ListType,
        TopicConfig.SegmentBytes or TopicConfig.MaxMessageBytes => DescribeConfigsApi.IntType,
        TopicConfig.RetentionMs or TopicConfig.RetentionBytes or TopicConfig.DeleteRetentionMs or TopicConfig.MinCompactionLagMs => DescribeConfigsApi.LongType,
        TopicConfig.MinCleanableDirtyRatio => DescribeConfigsApi.DoubleType,
        _ => DescribeConfigsApi.StringType,
    };

    /// <summary>IncrementalAlterConfigs: each topic's changes in one call to its topic grain (set, delete = back to the
    /// default, append/subtract on cleanup.policy). Every key and value is checked first: an unknown key or a bad value
    /// fails the resource with INVALID_CONFIG and changes nothing. validate_only stops after the checks.</summary>
    private async Task<ResponseFrame?> IncrementalAlterConfigsAsync(RequestHeader header, IncrementalAlterConfigsApi.Request request)
    {
        var response = new IncrementalAlterConfigsApi.Response();
        response.Results.AddRange(await Task.WhenAll(request.Resources.Select(r => AlterResourceAsync(r, request.ValidateOnly))).ConfigureAwait(false));
        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    private async Task<IncrementalAlterConfigsApi.Result> AlterResourceAsync(IncrementalAlterConfigsApi.Resource resource, bool validateOnly)
    {
        if (resource.ResourceType != DescribeConfigsApi.TopicResource)
        {
            return Failed(KafkaErrorCode.InvalidRequest, $"Resource type {resource.ResourceType} cannot be altered here: only topics (2).");
        }

        if (!TopicName.IsValid(resource.ResourceName, out _))
        {
            return Failed(KafkaErrorCode.UnknownTopicOrPartition, $"Topic '{resource.ResourceName}' does not exist.");
        }

        if (resource.Configs.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return Failed(KafkaErrorCode.InvalidRequest, $"Config '{twice.Key}' is changed more than once in one request.");
        }

        try
        {
            var grain = grains.GetGrain<ITopicGrain>(resource.ResourceName);
            var changes = new Dictionary<string, string?>(StringComparer.Ordinal);
            TopicDescription? current = null;
            foreach (var change in resource.Configs)
            {
                if (!TopicConfig.Keys.Contains(change.Name, StringComparer.Ordinal))
                {
                    return Failed(KafkaErrorCode.InvalidConfig, $"Unknown topic config '{change.Name}'; the known keys are {string.Join(", ", TopicConfig.Keys)}.");
                }

                string? value;
                switch (change.Operation)
                {
                    case IncrementalAlterConfigsApi.Set:
                        value = change.Value;
                        break;
                    case IncrementalAlterConfigsApi.Delete:
                        changes[change.Name] = null;
                        continue;
                    case IncrementalAlterConfigsApi.Append or IncrementalAlterConfigsApi.Subtract:
                        if (change.Name != TopicConfig.CleanupPolicy)
                        {
                            return Failed(KafkaErrorCode.InvalidConfig, $"Topic config '{change.Name}' is not a list: only cleanup.policy takes APPEND and SUBTRACT.");
                        }

                        current ??= await grain.DescribeAsync().ConfigureAwait(false);
                        var items = current.Config[change.Name].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
                        var given = (change.Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                        if (change.Operation == IncrementalAlterConfigsApi.Append)
                        {
                            items.AddRange(given.Where(g => !items.Contains(g, StringComparer.Ordinal)));
                        }
                        else
                        {
                            items.RemoveAll(i => given.Contains(i, StringComparer.Ordinal));
                        }

                        value = string.Join(',', items);
                        break;
                    default:
                        return Failed(KafkaErrorCode.InvalidRequest, $"Config operation {change.Operation.ToString(CultureInfo.InvariantCulture)} on '{change.Name}' is not one of 0 (set), 1 (delete), 2 (append), 3 (subtract).");
                }

                if (!TopicConfig.TryValidate(change.Name, value, out var error))
                {
                    return Failed(KafkaErrorCode.InvalidConfig, error);
                }

                changes[change.Name] = value;
            }

            if (validateOnly)
            {
                await grain.DescribeAsync().ConfigureAwait(false); // the topic must exist
            }
            else
            {
                await grain.AlterConfigAsync(changes).ConfigureAwait(false);
            }

            return new IncrementalAlterConfigsApi.Result(KafkaErrorCode.None, null, resource.ResourceType, resource.ResourceName);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            return Failed(Fail($"IncrementalAlterConfigs ({resource.ResourceName})", ex), ex.Message);
        }

        IncrementalAlterConfigsApi.Result Failed(KafkaErrorCode code, string message) => new(code, message, resource.ResourceType, resource.ResourceName);
    }
}
