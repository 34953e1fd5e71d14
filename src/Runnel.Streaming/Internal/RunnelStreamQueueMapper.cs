using Orleans.Streams;
using Runnel.Client;

namespace Runnel.Streaming.Internal;

/// <summary>
/// Queues are the partitions of the declared topics: queue name = topic, numeric id = partition. A stream's queue is
/// its namespace's topic and the partition Murmur2 gives its key bytes (the Runnel client's default partitioner), so
/// one stream stays on one partition, in order. The queues' ring hashes are spread evenly over the ring (in topic,
/// partition order) so Orleans' consistent-ring balancer gives each silo a fair share.
/// </summary>
internal sealed class RunnelStreamQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly string _providerName;
    private readonly Dictionary<string, (RunnelStreamTopic Topic, QueueId[] Queues)> _byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _namespaceOfTopic = new(StringComparer.Ordinal);
    private readonly QueueId[] _all;

    public RunnelStreamQueueMapper(string providerName, RunnelStreamOptions options)
    {
        _providerName = providerName;
        var topics = options.Namespaces.Values.DistinctBy(t => t.Topic).OrderBy(t => t.Topic, StringComparer.Ordinal).ToArray();
        var total = topics.Sum(t => t.Partitions);
        var step = uint.MaxValue / (uint)total;
        var queues = new Dictionary<string, QueueId[]>(StringComparer.Ordinal);
        var all = new List<QueueId>(total);
        foreach (var topic in topics)
        {
            var partitions = new QueueId[topic.Partitions];
            for (var p = 0; p < partitions.Length; p++)
            {
                partitions[p] = QueueId.GetQueueId(topic.Topic, (uint)p, (uint)all.Count * step);
                all.Add(partitions[p]);
            }

            queues[topic.Topic] = partitions;
        }

        foreach (var (ns, topic) in options.Namespaces)
        {
            _byNamespace[ns] = (topic, queues[topic.Topic]);
            // A topic shared by several namespaces has no single namespace for records without the header.
            _namespaceOfTopic[topic.Topic] = _namespaceOfTopic.ContainsKey(topic.Topic) ? null : ns;
        }

        _all = [.. all];
    }

    public IEnumerable<QueueId> GetAllQueues() => _all;

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range) => _all.Where(q => range.InRange(q.GetUniformHashCode()));

    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidArgument"/>: the namespace is not declared.</exception>
    public QueueId GetQueueForStream(StreamId streamId)
    {
        var topic = TopicOf(streamId);
        return topic.Queues[Murmur2Partitioner.Instance.Partition(topic.Topic.Topic, streamId.Key.Span, false, topic.Queues.Length)];
    }

    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.InvalidArgument"/>: the namespace is not declared.</exception>
    public (RunnelStreamTopic Topic, QueueId[] Queues) TopicOf(StreamId streamId)
    {
        var ns = streamId.GetNamespace() ?? "";
        return _byNamespace.TryGetValue(ns, out var topic)
            ? topic
            : throw new RunnelException(RunnelErrorCode.InvalidArgument,
                $"Stream {streamId}: namespace '{ns}' is not declared by Runnel stream provider '{_providerName}' (options.AddNamespace(\"{ns}\")).");
    }

    /// <summary>The namespace records of <paramref name="topic"/> without a namespace header belong to, or null when
    /// the topic carries several.</summary>
    public string? NamespaceOfTopic(string topic) => _namespaceOfTopic.GetValueOrDefault(topic);

    public static TopicPartition PartitionOf(QueueId queue) => new(queue.GetStringNamePrefix(), (int)queue.GetNumericId());
}
