using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Runnel.Client;

namespace Runnel.Streaming.Internal;

/// <summary>
/// Reads a partition from an offset with a Runnel consumer of its own (no group, <see cref="AutoOffsetReset.Error"/>)
/// and queues one stream's events (records of other keys are not decoded), at most <c>Buffered</c> ahead of its
/// cursor, until the cursor disposes it. It does not stop where the cache starts: the cache may drop that part before
/// the cursor gets there (a backfilling cursor holds nothing); the cursor decides when it is in the cache. After
/// each record it asks the receiver, once until the request is taken, to wake the stream's consumers. An offset below
/// the log start ends it with a <see cref="QueueCacheMissException"/> (and tells the cache the log start); other
/// failures are retried from the next unread offset. Thread-safe as <see cref="IBackfillReader"/> says.
/// </summary>
internal sealed partial class RunnelBackfillReader : IBackfillReader
{
    private const int Buffered = 256; // events read ahead of the cursor: a replay never holds more than this in memory
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly RunnelQueueAdapterFactory _factory;
    private readonly TopicPartition _partition;
    private readonly string? _topicNamespace;
    private readonly QueueProgress _progress;
    private readonly ILogger _logger;
    private readonly Channel<RunnelBatchContainer> _channel = Channel.CreateBounded<RunnelBatchContainer>(new BoundedChannelOptions(Buffered) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private long _readUpTo;
    private Exception? _failure;
    private int _wakeQueued;
    private int _disposed;

    public RunnelBackfillReader(RunnelQueueAdapterFactory factory, TopicPartition partition, string? topicNamespace, QueueProgress progress, StreamId streamId, long from, ILogger logger)
    {
        _factory = factory;
        _partition = partition;
        _topicNamespace = topicNamespace;
        _progress = progress;
        _logger = logger;
        StreamId = streamId;
        _readUpTo = from;
        var token = _stop.Token;
        _ = Task.Run(() => ReadLoopAsync(from, token), CancellationToken.None);
    }

    public StreamId StreamId { get; }

    public long ReadUpTo => Volatile.Read(ref _readUpTo);

    public Exception? Failure => Volatile.Read(ref _failure);

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public bool TryRead([NotNullWhen(true)] out RunnelBatchContainer? item) => _channel.Reader.TryRead(out item);

    public void WakeTaken() => Volatile.Write(ref _wakeQueued, 0);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    private void RequestWake()
    {
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 0)
        {
            _progress.Wakes.Enqueue(this);
        }
    }

    private async Task ReadLoopAsync(long next, CancellationToken cancellationToken)
    {
        LogStarted(_partition.Topic, _partition.Partition, StreamId, next);
        var key = StreamId.Key;
        while (!cancellationToken.IsCancellationRequested)
        {
            var outOfRange = false;
            try
            {
                await using var consumer = _factory.Connection.CreateConsumer<byte[], byte[]>(
                    ConsumerOptions.Default with { EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Error, ClientId = "orleans-streams." + _factory.Name + ".replay" },
                    Deserializers.ByteArray, Deserializers.ByteArray);
                consumer.Assign([new TopicPartitionOffset(_partition, new Offset(next))]);
                await foreach (var record in consumer.ConsumeAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (record.Message.Key is { } recordKey && recordKey.AsSpan().SequenceEqual(key.Span)
                        && _factory.Codec.Decode(record, _topicNamespace, out _) is { } item && item.StreamId.Equals(StreamId))
                    {
                        await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
                    }

                    next = record.Offset + 1;
                    Volatile.Write(ref _readUpTo, next);
                    RequestWake();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RunnelException e) when (e.Code == RunnelErrorCode.OffsetOutOfRange)
            {
                outOfRange = true;
            }
            catch (Exception e)
            {
                LogFetchFailed(e, _partition.Topic, _partition.Partition, StreamId, next);
            }

            try
            {
                if (outOfRange && await BelowLogStartAsync(next, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                await Task.Delay(RetryDelay, _factory.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>True (and the reader failed for good) when <paramref name="next"/> is below the log start.</summary>
    private async Task<bool> BelowLogStartAsync(long next, CancellationToken cancellationToken)
    {
        WatermarkOffsets offsets;
        try
        {
            offsets = await _factory.Connection.Admin.GetPartitionOffsetsAsync(_partition, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false; // retried as any fetch failure
        }

        _progress.RaiseLogStart(offsets.LogStartOffset);
        if (next >= offsets.LogStartOffset)
        {
            return false;
        }

        LogBelowLogStart(_partition.Topic, _partition.Partition, StreamId, next, offsets.LogStartOffset);
        Volatile.Write(ref _failure, new QueueCacheMissException(
            new EventSequenceTokenV2(next), new EventSequenceTokenV2(offsets.LogStartOffset), new EventSequenceTokenV2(Math.Max(offsets.LogStartOffset, offsets.HighWatermark - 1))));
        RequestWake();
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream queue {Topic}/{Partition}: replay of {StreamId} reads the partition from offset {Offset}.")]
    private partial void LogStarted(string topic, int partition, StreamId streamId, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream queue {Topic}/{Partition}: replay of {StreamId} asked for offset {Offset}, below the log start {LogStart}.")]
    private partial void LogBelowLogStart(string topic, int partition, StreamId streamId, long offset, long logStart);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream queue {Topic}/{Partition}: replay of {StreamId} failed to fetch at {Offset}; retrying.")]
    private partial void LogFetchFailed(Exception exception, string topic, int partition, StreamId streamId, long offset);
}
