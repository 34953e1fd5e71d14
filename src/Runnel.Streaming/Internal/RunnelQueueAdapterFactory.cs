using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Streams;
using Runnel.Client;

namespace Runnel.Streaming.Internal;

/// <summary>
/// The Runnel stream provider's factory, adapter and cache factory in one (as Orleans' own providers). Produces
/// through one Runnel producer over the host's own Orleans runtime (<see cref="RunnelConnection.FromGrainFactory"/>)
/// and creates topics on first use (<see cref="RunnelStreamOptions.CreateTopics"/>). Thread-safe.
/// </summary>
internal sealed class RunnelQueueAdapterFactory : IQueueAdapterFactory, IQueueAdapter, IQueueAdapterCache
{
    private readonly RunnelStreamQueueMapper _mapper;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lazy<RunnelConnection> _connection;
    private readonly Lazy<IProducer<byte[], byte[]>> _producer;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<QueueId, QueueProgress> _progress = new();
    private readonly ConcurrentDictionary<TopicPartition, RunnelQueueReceiver> _pulling = new();
    private readonly Dictionary<string, int> _partitions;

    public RunnelQueueAdapterFactory(string name, RunnelStreamOptions options, IServiceProvider services)
    {
        options.Validate(name);
        Name = name;
        Options = options;
        GroupId = options.GroupFor(name);
        _mapper = new RunnelStreamQueueMapper(name, options);
        _partitions = options.Namespaces.Values.DistinctBy(t => t.Topic).ToDictionary(t => t.Topic, t => t.Partitions, StringComparer.Ordinal);
        _loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        Time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        Codec = new RunnelEventCodec(services.GetRequiredService<Serializer<object>>(), options.PayloadFormat);
        var grains = services.GetRequiredService<IGrainFactory>();
        _connection = new Lazy<RunnelConnection>(() => RunnelConnection.FromGrainFactory(grains, _loggerFactory, Time));
        _producer = new Lazy<IProducer<byte[], byte[]>>(() => Connection.CreateProducer(options.Producer, Serializers.ByteArray, Serializers.ByteArray));
    }

    public string Name { get; }

    public RunnelStreamOptions Options { get; }

    public string GroupId { get; }

    public TimeProvider Time { get; }

    public RunnelEventCodec Codec { get; }

    public RunnelConnection Connection => _connection.Value;

    /// <summary>The partitions this silo's pulling agents pull now: a receiver is added when an agent takes its queue
    /// and removed when it shuts down. For diagnostics and tests (which silo to kill).</summary>
    public IReadOnlyCollection<TopicPartition> PulledPartitions => [.. _pulling.Keys];

    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public static IQueueAdapterFactory Create(IServiceProvider services, string name, RunnelStreamOptions options) =>
        new RunnelQueueAdapterFactory(name, options, services);

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken) => CreateAdapter();

    public IQueueAdapterCache GetQueueAdapterCache() => this;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler(false));

    public IQueueCache CreateQueueCache(QueueId queueId)
    {
        // The agent creates its cache before its receiver: both get this queue's fresh progress.
        var progress = new QueueProgress();
        _progress[queueId] = progress;
        var partition = RunnelStreamQueueMapper.PartitionOf(queueId);
        var topicNamespace = _mapper.NamespaceOfTopic(partition.Topic);
        var logger = _loggerFactory.CreateLogger<RunnelBackfillReader>();
        return new RunnelQueueCache(Options.CacheSize, progress,
            (streamId, from) => new RunnelBackfillReader(this, partition, topicNamespace, progress, streamId, from, logger));
    }

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
    {
        var partition = RunnelStreamQueueMapper.PartitionOf(queueId);
        var receiver = new RunnelQueueReceiver(this, partition, _mapper.NamespaceOfTopic(partition.Topic), _progress.GetOrAdd(queueId, _ => new QueueProgress()),
            _loggerFactory.CreateLogger<RunnelQueueReceiver>());
        _pulling[partition] = receiver;
        return receiver;
    }

    /// <summary>A receiver shut down: its partition is no longer pulled here (unless a newer receiver took it).</summary>
    public void Released(TopicPartition partition, RunnelQueueReceiver receiver) =>
        _pulling.TryRemove(new KeyValuePair<TopicPartition, RunnelQueueReceiver>(partition, receiver));

    /// <summary>Appends the events as one record each to the stream's partition and completes when all are durable (in
    /// the store), in order. Concurrent calls for one stream keep the order they reach the producer in.</summary>
    /// <exception cref="RunnelException">An undeclared namespace (<see cref="RunnelErrorCode.InvalidArgument"/>), a
    /// topic that cannot be used, or the producer's delivery errors.</exception>
    public async Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        ArgumentNullException.ThrowIfNull(events);
        var queue = _mapper.GetQueueForStream(streamId);
        var partition = RunnelStreamQueueMapper.PartitionOf(queue);
        await EnsureTopicAsync(partition.Topic).ConfigureAwait(false);
        var producer = _producer.Value;
        var deliveries = new List<Task<DeliveryResult<byte[], byte[]>>>();
        foreach (var evt in events)
        {
            deliveries.Add(producer.ProduceAsync(partition, Codec.Encode(streamId, evt)));
        }

        await Task.WhenAll(deliveries).ConfigureAwait(false);
    }

    /// <summary>Makes sure <paramref name="topic"/> exists with its declared partition count (once per factory; a
    /// failure is retried by the next call).</summary>
    public Task EnsureTopicAsync(string topic)
    {
        var lazy = _topics.GetOrAdd(topic, t => new Lazy<Task>(() => CheckTopicAsync(t)));
        if (lazy.Value is { IsFaulted: false, IsCanceled: false } task)
        {
            return task;
        }

        // An earlier check failed: forget it and check again now (once; a failure of this one is the caller's).
        _topics.TryRemove(new KeyValuePair<string, Lazy<Task>>(topic, lazy));
        return _topics.GetOrAdd(topic, t => new Lazy<Task>(() => CheckTopicAsync(t))).Value;
    }

    private async Task CheckTopicAsync(string topic)
    {
        var partitions = _partitions[topic];
        TopicDescription description;
        try
        {
            description = Options.CreateTopics
                ? await Connection.Admin.CreateTopicAsync(topic, partitions).ConfigureAwait(false)
                : await Connection.Admin.DescribeTopicAsync(topic).ConfigureAwait(false);
        }
        catch (RunnelException e) when (e.Code == RunnelErrorCode.TopicAlreadyExists)
        {
            description = await Connection.Admin.DescribeTopicAsync(topic).ConfigureAwait(false);
        }
        catch (RunnelException e) when (e.Code == RunnelErrorCode.UnknownTopic)
        {
            throw new RunnelException(RunnelErrorCode.UnknownTopic,
                $"Runnel stream provider '{Name}': topic '{topic}' does not exist and {nameof(RunnelStreamOptions.CreateTopics)} is false; create it with {partitions} partitions.", e);
        }

        if (description.PartitionCount != partitions)
        {
            throw new RunnelException(RunnelErrorCode.InvalidConfig,
                $"Runnel stream provider '{Name}': topic '{topic}' has {description.PartitionCount} partitions but is declared with {partitions}; streams would map to other partitions than a Runnel producer's.");
        }
    }
}
