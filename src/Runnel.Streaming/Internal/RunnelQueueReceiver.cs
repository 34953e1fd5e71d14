using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Runnel.Client;

namespace Runnel.Streaming.Internal;

/// <summary>
/// Pulls one partition for Orleans' pulling agent. A background loop runs a Runnel consumer assigned the partition at
/// the group's committed offset (<see cref="RunnelStreamOptions.StartWithoutCheckpoint"/> without one) and decodes
/// records into a bounded channel (after checking the topic, retried like a fetch); <see cref="GetQueueMessagesAsync(int, CancellationToken)"/> drains it without
/// waiting. <see cref="MessagesDeliveredAsync(IList{IBatchContainer}, CancellationToken)"/> and
/// <see cref="Shutdown(TimeSpan, CancellationToken)"/> commit the cache's delivered watermark (a standalone commit:
/// the group has no members). A failed fetch loop is restarted from the next offset it had not handed out.
/// <see cref="GetQueueMessagesAsync(int, CancellationToken)"/> also hands the agent a <see cref="RunnelWakeMarker"/> for each
/// stream whose replay (<see cref="RunnelBackfillReader"/>) read something since.
/// </summary>
internal sealed partial class RunnelQueueReceiver : IQueueAdapterReceiver
{
    private const int Buffered = 1024; // records decoded ahead of the agent: its cache bound does the real limiting
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly RunnelQueueAdapterFactory _factory;
    private readonly TopicPartition _partition;
    private readonly string? _topicNamespace;
    private readonly QueueProgress _progress;
    private readonly ILogger _logger;
    private readonly Channel<RunnelBatchContainer> _channel = Channel.CreateBounded<RunnelBatchContainer>(new BoundedChannelOptions(Buffered) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private IConsumer<byte[], byte[]>? _committer;
    private Task? _loop;
    private long _committed = -1;

    public RunnelQueueReceiver(RunnelQueueAdapterFactory factory, TopicPartition partition, string? topicNamespace, QueueProgress progress, ILogger logger)
    {
        _factory = factory;
        _partition = partition;
        _topicNamespace = topicNamespace;
        _progress = progress;
        _logger = logger;
    }

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    /// <summary>Starts pulling and returns. Orleans pumps a receiver whose initialization failed but never initializes
    /// it again (the receiver's own job), so nothing here may fail for good: the fetch loop checks the topic first and
    /// retries that as it retries fetches (a queue taken over from a dead silo often finds the topic's grain still
    /// addressed to that silo).</summary>
    public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _committer = _factory.Connection.CreateConsumer<byte[], byte[]>(ConsumerOptions(), Deserializers.ByteArray, Deserializers.ByteArray);
        _loop = Task.Run(() => FetchLoopAsync(_stop.Token), CancellationToken.None);
        LogStarted(_partition.Topic, _partition.Partition);
        return Task.CompletedTask;
    }

#pragma warning disable CS0672 // the legacy overloads Orleans still declares
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);
#pragma warning restore CS0672

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        var batch = new List<IBatchContainer>();
        while ((maxCount < 0 || batch.Count < maxCount) && _channel.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }

        // Backfills that read something wake their streams' consumers (the cache keeps no marker).
        while (_progress.Wakes.TryDequeue(out var backfill))
        {
            backfill.WakeTaken();
            if (!backfill.IsDisposed)
            {
                batch.Add(new RunnelWakeMarker(backfill.StreamId, new EventSequenceTokenV2(Math.Max(_progress.CacheEnd, 0))));
            }
        }

        return Task.FromResult<IList<IBatchContainer>>(batch);
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => CommitAsync(cancellationToken);

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(timeout);
            await CommitAsync(bound.Token).ConfigureAwait(false);
        }
        finally
        {
            if (_committer is not null)
            {
                await _committer.DisposeAsync().ConfigureAwait(false);
            }

            _stop.Dispose();
            _factory.Released(_partition, this);
        }

        LogStopped(_partition.Topic, _partition.Partition, _committed);
    }

    /// <summary>Commits the delivered watermark if it moved. One group call.</summary>
    private async Task CommitAsync(CancellationToken cancellationToken)
    {
        var delivered = _progress.Delivered;
        if (delivered <= _committed || _committer is null)
        {
            return;
        }

        await _committer.CommitAsync([new TopicPartitionOffset(_partition, new Offset(delivered))], cancellationToken).ConfigureAwait(false);
        _committed = delivered;
        LogCommitted(_partition.Topic, _partition.Partition, delivered);
    }

    private ConsumerOptions ConsumerOptions() => Client.ConsumerOptions.Default with
    {
        GroupId = _factory.GroupId,
        EnableAutoCommit = false,
        AutoOffsetReset = _factory.Options.StartWithoutCheckpoint,
        ClientId = "orleans-streams." + _factory.Name,
    };

    private async Task FetchLoopAsync(CancellationToken cancellationToken)
    {
        var start = Offset.Stored;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _factory.EnsureTopicAsync(_partition.Topic).WaitAsync(cancellationToken).ConfigureAwait(false);
                await using var consumer = _factory.Connection.CreateConsumer<byte[], byte[]>(ConsumerOptions(), Deserializers.ByteArray, Deserializers.ByteArray);
                consumer.Assign([new TopicPartitionOffset(_partition, start)]);
                await foreach (var record in consumer.ConsumeAsync(cancellationToken).ConfigureAwait(false))
                {
                    var item = _factory.Codec.Decode(record, _topicNamespace, out var skipped);
                    if (item is null)
                    {
                        LogSkipped(_partition.Topic, _partition.Partition, record.Offset, skipped!);
                    }
                    else
                    {
                        await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                    }

                    start = new Offset(record.Offset + 1);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFetchFailed(e, _partition.Topic, _partition.Partition, start.Value);
                try
                {
                    await Task.Delay(RetryDelay, _factory.Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream queue {Topic}/{Partition}: pulling started.")]
    private partial void LogStarted(string topic, int partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream queue {Topic}/{Partition}: pulling stopped, committed offset {Offset}.")]
    private partial void LogStopped(string topic, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream queue {Topic}/{Partition}: committed offset {Offset}.")]
    private partial void LogCommitted(string topic, int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream queue {Topic}/{Partition}: record {Offset} is not a stream event and is skipped: {Reason}.")]
    private partial void LogSkipped(string topic, int partition, long offset, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream queue {Topic}/{Partition}: checking the topic or fetching at {Offset} failed; retrying.")]
    private partial void LogFetchFailed(Exception exception, string topic, int partition, long offset);
}
