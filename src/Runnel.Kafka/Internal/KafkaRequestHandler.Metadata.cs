using Runnel.Grains;
using Runnel.Kafka.Protocol;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

internal sealed partial class KafkaRequestHandler
{
    /// <summary>Topics from the catalog (all) or as asked (by name, or by id), each described by its topic grain with its
    /// stable id (<see cref="TopicIds"/>); one broker (this silo),
    /// the leader, only replica and only in-sync replica of every partition. Leader epochs are -1 (unknown), so clients
    /// do not validate positions with OffsetForLeaderEpoch. Topics are never auto-created.</summary>
    private async Task<ResponseFrame?> MetadataAsync(RequestHeader header, MetadataApi.Request request)
    {
        IReadOnlyList<string> names;
        var response = new MetadataApi.Response { ClusterId = broker.ClusterId, ControllerId = broker.NodeId };
        response.Brokers.Add(new MetadataApi.Broker(broker.NodeId, broker.Host, broker.Port, null));
        if (request.Topics is { } asked)
        {
            names = asked;
        }
        else
        {
            try
            {
                names = await grains.GetGrain<ITopicCatalogGrain>(RunnelCluster.SingletonKey).ListTopicsAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
            {
                // No topic list: answer with the broker only; the client asks again at its next refresh.
                Fail("Metadata (list topics)", ex);
                names = [];
            }
        }

        var described = await Task.WhenAll(names.Select(DescribeAsync)).ConfigureAwait(false);
        response.Topics.AddRange(described);
        foreach (var id in request.TopicIds)
        {
            response.Topics.Add(await DescribeByIdAsync(id).ConfigureAwait(false));
        }

        var frame = NewFrame(header);
        var writer = new KafkaWriter(frame);
        response.Write(ref writer, header.ApiVersion);
        return frame.Complete();
    }

    /// <summary>A topic asked for by id alone: described by name when the id is known, UNKNOWN_TOPIC_ID otherwise.</summary>
    private async Task<MetadataApi.Topic> DescribeByIdAsync(Guid id)
    {
        string? name;
        try
        {
            name = await _topicIds.TryResolveAsync(id).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            Fail($"Metadata (topic id {id})", ex);
            return new MetadataApi.Topic(KafkaErrorCode.LeaderNotAvailable, null, false, []) { TopicId = id };
        }

        return name is null
            ? new MetadataApi.Topic(KafkaErrorCode.UnknownTopicId, null, false, []) { TopicId = id }
            : await DescribeAsync(name).ConfigureAwait(false);
    }

    private async Task<MetadataApi.Topic> DescribeAsync(string name)
    {
        if (!TopicName.IsValid(name, out _))
        {
            return new MetadataApi.Topic(KafkaErrorCode.InvalidTopicException, name, false, []);
        }

        try
        {
            var description = await grains.GetGrain<ITopicGrain>(name).DescribeAsync().ConfigureAwait(false);
            var leader = broker.NodeId;
            var partitions = new MetadataApi.Partition[description.PartitionCount];
            for (var p = 0; p < partitions.Length; p++)
            {
                partitions[p] = new MetadataApi.Partition(KafkaErrorCode.None, p, leader, -1, [leader], [leader]);
            }

            return new MetadataApi.Topic(KafkaErrorCode.None, name, false, partitions) { TopicId = _topicIds.Of(description) };
        }
        catch (Exception ex) when (ex is RunnelException or OperationCanceledException or TimeoutException)
        {
            var code = Fail($"Metadata ({name})", ex);
            return new MetadataApi.Topic(code == KafkaErrorCode.NotLeaderOrFollower ? KafkaErrorCode.LeaderNotAvailable : code, name, false, []);
        }
    }
}
