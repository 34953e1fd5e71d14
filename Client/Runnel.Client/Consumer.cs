using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Runnel.Buffers;
using Runnel.Client.Internal;
using Runnel.Grains;
using Runnel.Log.Batches;
using Runnel.Storage;

namespace Runnel.Client;

/// <summary>
/// Reads records as an <see cref="IAsyncEnumerable{T}"/> from partitions assigned to it by hand
/// (<see cref="Assign(IEnumerable{TopicPartitionOffset})"/>) or by its consumer group
/// (<see cref="ConsumerOptions.GroupId"/> and <see cref="Subscribe(IEnumerable{string})"/>).
/// </summary>
/// <remarks>
/// <para><b>Fetching.</b> Each assigned partition has at most one fetch in flight and one fetched response waiting;
/// the next fetch for a partition is sent as soon as the application starts on the previous response, so the network
/// round trip overlaps the application's processing. A fetch long-polls for up to <see cref="ConsumerOptions.FetchMaxWait"/>.</para>
/// <para><b>Positions.</b> <see cref="Position"/> is the offset of the next record to be returned. Records before the
/// position inside a fetched batch are skipped. A position outside the log is handled by
/// <see cref="ConsumerOptions.AutoOffsetReset"/>.</para>
/// <para><b>Groups.</b> A subscribed consumer joins its group at the first poll and heartbeats on a background loop of
/// its own, so slow processing does not end its session; <see cref="ConsumerOptions.MaxPollInterval"/> bounds the time
/// between polls instead. Partition changes are applied at a poll — each step of the enumeration is a poll — in order:
/// <see cref="PartitionsAssigned"/> (positions at the committed offsets, else <see cref="ConsumerOptions.AutoOffsetReset"/>),
/// <see cref="PartitionsRevoked"/> (then auto-commit, then the partition is released to its next owner), and
/// <see cref="PartitionsLost"/> (no commit). Only owned partitions are fetched. Auto-commit commits the positions at a
/// poll, i.e. records the application has finished with. <see cref="DisposeAsync"/> commits (with auto-commit) and
/// leaves the group, bounded by <see cref="ConsumerOptions.CloseTimeout"/>.</para>
/// <para><b>Threads.</b> <see cref="ConsumeAsync"/> may be enumerated by one caller at a time. Assign, Seek, Pause,
/// Resume and Position are thread-safe and take effect at the next record: a record already returned is not taken back.</para>
/// </remarks>
public sealed partial class Consumer<TKey, TValue> : IConsumer<TKey, TValue>
{
    private readonly IGrainFactory _grains;
    private readonly IDeserializer<TKey> _keyDeserializer;
    private readonly IDeserializer<TValue> _valueDeserializer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>The connection's <see cref="RunnelConnectionOptions.SegmentStore"/>: sealed segments are read from it.</summary>
    private readonly IObjectStore? _segmentStore;
    private readonly Lock _gate = new();
    private readonly Dictionary<TopicPartition, FetchState> _partitions = [];
    private readonly Channel<FetchedChunk?> _chunks = Channel.CreateUnbounded<FetchedChunk?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _disposed = new();
    private bool _started;
    private int _consuming;

    /// <summary>A chunk an enumeration stopped inside (only the enumerating caller touches it).</summary>
    private FetchedChunk? _resume;

    /// <summary>A consumer over any grain factory (a connection's, or a silo's own). Internal: the runtime underneath is
    /// not part of the public API; use <see cref="RunnelConnection.CreateConsumer{TKey, TValue}"/>.</summary>
    /// <exception cref="ArgumentException">An option is not valid, or a deserializer is missing for a type with no built-in one.</exception>
    /// <summary>
    /// For <see cref="ConsumeBatchesAsync"/> readers that need transaction markers (a <see cref="RunnelTable{TKey, TValue}"/>):
    /// a fetch holding only control batches (or only emptied compacted ones) is handed out too, as a batch of no records,
    /// and every batch's <see cref="ConsumedBatch.LastOffset"/> covers the control batches at its end, so the reader sees
    /// every marker in <see cref="ConsumedBatch.RawBatches"/> exactly once. Set before consuming; the per-record
    /// <see cref="ConsumeAsync"/> must not be used with it.
    /// </summary>
    internal bool HandsOutMarkers { get; init; }

    internal Consumer(IGrainFactory grains, ConsumerOptions? options = null, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null,
        TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IObjectStore? segmentStore = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _segmentStore = segmentStore;
        options ??= ConsumerOptions.Default;
        options.Validate();
        Options = options;
        _grains = grains;
        _keyDeserializer = keyDeserializer ?? Deserializers.Default<TKey>()
            ?? throw new ArgumentException($"No built-in deserializer for key type {typeof(TKey).Name}: pass keyDeserializer.", nameof(keyDeserializer));
        _valueDeserializer = valueDeserializer ?? Deserializers.Default<TValue>()
            ?? throw new ArgumentException($"No built-in deserializer for value type {typeof(TValue).Name}: pass valueDeserializer.", nameof(valueDeserializer));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Runnel.Client.Consumer");
    }

    /// <inheritdoc />
    public ConsumerOptions Options { get; }

    /// <inheritdoc />
    public IReadOnlyList<TopicPartition> Assignment
    {
        get
        {
            lock (_gate)
            {
                return [.. _partitions.Keys];
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<TopicPartition> Paused
    {
        get
        {
            lock (_gate)
            {
                return [.. _partitions.Values.Where(s => s.Paused).Select(s => s.Partition)];
            }
        }
    }

    /// <inheritdoc />
    public void Assign(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset)));
    }

    /// <inheritdoc />
    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var wanted = partitions.ToList();
        foreach (var p in wanted)
        {
            ArgumentException.ThrowIfNullOrEmpty(p.Topic, "partitions[].Topic");
            ArgumentOutOfRangeException.ThrowIfNegative(p.Partition, "partitions[].Partition");
            CheckPosition(p.Offset);
        }

        lock (_gate)
        {
            if (_membership is not null)
            {
                throw new InvalidOperationException("This consumer is subscribed to a group, which assigns its partitions: it cannot also assign by hand.");
            }

            var keep = wanted.Select(p => p.TopicPartition).ToHashSet();
            foreach (var state in _partitions.Values.Where(s => !keep.Contains(s.Partition)).ToList())
            {
                RemoveLocked(state);
            }

            foreach (var p in wanted)
            {
                if (!_partitions.TryGetValue(p.TopicPartition, out var state))
                {
                    state = new FetchState(p.TopicPartition, _grains.GetGrain<IPartitionGrain>(p.TopicPartition.GrainKey));
                    _partitions.Add(p.TopicPartition, state);
                    SeekLocked(state, p.Offset);
                }
                else if (p.Offset != Offset.Unset)
                {
                    SeekLocked(state, p.Offset);
                }
            }
        }
    }

    /// <inheritdoc />
    public void Unassign() => Assign(Array.Empty<TopicPartitionOffset>());

    /// <inheritdoc />
    public void Seek(TopicPartitionOffset position)
    {
        CheckPosition(position.Offset);
        lock (_gate)
        {
            SeekLocked(GetLocked(position.TopicPartition), position.Offset);
        }
    }

    /// <inheritdoc />
    public void SeekToBeginning(TopicPartition partition) => Seek(new TopicPartitionOffset(partition, Offset.Beginning));

    /// <inheritdoc />
    public void SeekToEnd(TopicPartition partition) => Seek(new TopicPartitionOffset(partition, Offset.End));

    /// <inheritdoc />
    public async Task<long> SeekToTimestampAsync(TopicPartition partition, DateTimeOffset timestamp, CancellationToken cancellationToken = default)
    {
        IPartitionGrain grain;
        lock (_gate)
        {
            grain = GetLocked(partition).Grain;
        }

        var offset = await grain.OffsetForTimestampAsync(timestamp.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        if (offset is null)
        {
            offset = (await grain.GetOffsetsAsync(cancellationToken).ConfigureAwait(false)).HighWatermark;
        }

        Seek(new TopicPartitionOffset(partition, offset.Value));
        return offset.Value;
    }

    /// <inheritdoc />
    public long? Position(TopicPartition partition)
    {
        lock (_gate)
        {
            var position = GetLocked(partition).Position;
            return position >= 0 ? position : null;
        }
    }

    /// <inheritdoc />
    public long? HighWatermark(TopicPartition partition)
    {
        lock (_gate)
        {
            var hw = GetLocked(partition).HighWatermark;
            return hw >= 0 ? hw : null;
        }
    }

    /// <inheritdoc />
    public void Pause(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                GetLocked(p).Paused = true;
            }
        }
    }

    /// <inheritdoc />
    public void Resume(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                var state = GetLocked(p);
                if (!state.Paused)
                {
                    continue;
                }

                state.Paused = false;
                while (state.Parked.TryDequeue(out var chunk))
                {
                    state.Buffered++;
                    _chunks.Writer.TryWrite(chunk);
                }

                MaybeFetchLocked(state);
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConsumeResult<TKey, TValue>> ConsumeAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BeginConsuming();
        FetchedChunk? chunk = null;
        try
        {
            while (true)
            {
                chunk = await TakeChunkAsync(cancellationToken).ConfigureAwait(false);
                if (chunk is null)
                {
                    yield break;
                }

                chunk.Records ??= Decode(chunk.State.Partition, chunk.Batches, chunk.StartOffset);
                while (true)
                {
                    ConsumeResult<TKey, TValue> result;
                    lock (_gate)
                    {
                        var state = chunk.State;
                        if (chunk.Index >= chunk.Records.Count || chunk.Version != state.Version || !state.Assigned)
                        {
                            // Done with the chunk (every record was copied out by Decode): its bytes go back to the pool.
                            chunk.ReleaseBytes();
                            break;
                        }

                        if (state.Paused)
                        {
                            state.Parked.Enqueue(chunk);
                            break;
                        }

                        result = (ConsumeResult<TKey, TValue>)chunk.Records[chunk.Index++];
                        state.Position = result.Offset + 1;
                    }

                    yield return result;
                    if (_membership is not null)
                    {
                        await OnPollAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            // Stopped inside a chunk (the caller broke out): the next enumeration goes on with its records.
            if (chunk?.Records is { } records && chunk.Index < records.Count)
            {
                _resume = chunk;
            }

            Volatile.Write(ref _consuming, 0);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ConsumedBatch> ConsumeBatchesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BeginConsuming();
        ConsumedBatch? handedOut = null;
        try
        {
            while (true)
            {
                handedOut?.Release();
                handedOut = null;
                var chunk = await TakeChunkAsync(cancellationToken).ConfigureAwait(false);
                if (chunk is null)
                {
                    yield break;
                }

                lock (_gate)
                {
                    var state = chunk.State;
                    if (chunk.Version != state.Version || !state.Assigned)
                    {
                        chunk.ReleaseBytes();
                        continue;
                    }

                    if (state.Paused)
                    {
                        state.Parked.Enqueue(chunk);
                        continue;
                    }

                    // Records before the position were handed out already (by ConsumeAsync, before a switch of enumeration).
                    var first = Math.Max(chunk.StartOffset, state.Position);
                    if (first > chunk.LastOffset)
                    {
                        chunk.ReleaseBytes();
                        continue;
                    }

                    var count = first == chunk.StartOffset ? chunk.RecordCount : FetchSummary.Of(chunk.Batches, first, checkCrcs: false).RecordCount;
                    handedOut = new ConsumedBatch(state.Partition, chunk.Batches, first, chunk.LastOffset, count, chunk.HighWatermark, chunk.ReleaseBytes);
                    state.Position = chunk.LastOffset + 1;
                }

                yield return handedOut;
            }
        }
        finally
        {
            handedOut?.Release();
            Volatile.Write(ref _consuming, 0);
        }
    }

    /// <summary>Claims the one reader's place, then starts fetching every assigned partition and (when subscribed) the group.</summary>
    private void BeginConsuming()
    {
        if (Interlocked.Exchange(ref _consuming, 1) == 1)
        {
            throw new InvalidOperationException("The consumer is already being enumerated (ConsumeAsync or ConsumeBatchesAsync); a consumer has one reader at a time.");
        }

        try
        {
            lock (_gate)
            {
                _started = true;
                foreach (var state in _partitions.Values)
                {
                    MaybeFetchLocked(state);
                }
            }

            StartGroup();
        }
        catch
        {
            Volatile.Write(ref _consuming, 0);
            throw;
        }
    }

    /// <summary>One poll: applies group changes, then waits for the next fetched chunk of a current, unpaused partition
    /// (parking those of paused ones) and starts that partition's next fetch. Null when the consumer is disposed.</summary>
    private async ValueTask<FetchedChunk?> TakeChunkAsync(CancellationToken cancellationToken)
    {
        if (_resume is { } resume)
        {
            _resume = null;
            lock (_gate)
            {
                var state = resume.State;
                if (resume.Version == state.Version && state.Assigned)
                {
                    if (!state.Paused)
                    {
                        return resume;
                    }

                    state.Parked.Enqueue(resume);
                }
            }
        }

        while (true)
        {
            await OnPollAsync().ConfigureAwait(false);
            FetchedChunk? chunk;
            try
            {
                _waitingInPoll = true;
                chunk = await _chunks.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
            finally
            {
                _waitingInPoll = false;
            }

            if (chunk is null)
            {
                continue; // a wake-up: group changes or an auto-commit are due
            }

            lock (_gate)
            {
                var state = chunk.State;
                if (chunk.Version != state.Version || !state.Assigned)
                {
                    continue;
                }

                state.Buffered--;
                if (chunk.Error is not null)
                {
                    throw chunk.Error;
                }

                if (state.Paused)
                {
                    state.Parked.Enqueue(chunk);
                    continue;
                }

                MaybeFetchLocked(state); // pipelining: the next fetch runs while the application handles this chunk
                return chunk;
            }
        }
    }

    /// <summary>Cancels fetches and ends any enumeration; a group member then calls <see cref="PartitionsRevoked"/>,
    /// commits (with auto-commit) and leaves its group (temporarily for a static member), bounded by
    /// <see cref="ConsumerOptions.CloseTimeout"/>. Errors while leaving are logged, not thrown. A second call returns at once.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>As <see cref="Dispose"/>, without blocking a thread.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        _chunks.Writer.TryComplete();
        await CloseGroupAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var state in _partitions.Values.ToList())
            {
                RemoveLocked(state);
            }
        }
    }

    private FetchState GetLocked(TopicPartition partition) =>
        _partitions.GetValueOrDefault(partition) ?? throw new InvalidOperationException($"Partition {partition} is not assigned to this consumer.");

    private void RemoveLocked(FetchState state)
    {
        state.Assigned = false;
        state.Version++;
        state.Parked.Clear();
        CancelFetchLocked(state);
        _partitions.Remove(state.Partition);
    }

    private void CheckPosition(Offset offset)
    {
        if (offset.Value < 0 && !offset.IsSpecial)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset.Value, "An offset is not negative, or one of Offset.Beginning, Offset.End, Offset.Stored, Offset.Unset.");
        }

        if (offset == Offset.Stored && Options.GroupId is null)
        {
            throw new ArgumentException("Offset.Stored is the group's committed offset: it needs ConsumerOptions.GroupId.", nameof(offset));
        }
    }

    private void SeekLocked(FetchState state, long offset)
    {
        state.Version++;
        state.Position = offset;
        state.FetchOffset = offset;
        state.Buffered = 0;
        state.Parked.Clear();
        CancelFetchLocked(state);
        MaybeFetchLocked(state);
    }

    private static void CancelFetchLocked(FetchState state)
    {
        if (state.FetchCancellation is { } cts)
        {
            state.FetchCancellation = null;
            cts.Cancel();
        }

        state.FetchingVersion = -1;
    }

    private void MaybeFetchLocked(FetchState state)
    {
        if (!_started || _disposed.IsCancellationRequested || !state.Assigned || state.Paused || state.Buffered >= FetchState.MaxBuffered
            || state.Parked.Count > 0 || state.FetchingVersion == state.Version)
        {
            return;
        }

        state.FetchingVersion = state.Version;
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        state.FetchCancellation = cts;
        _ = FetchAsync(state, state.Version, state.FetchOffset, cts);
    }

    /// <summary>One fetch for a partition (resolving a special start offset first), retried on retriable errors until
    /// it yields records, an error to raise, or the seek version changes.</summary>
    private async Task FetchAsync(FetchState state, int version, long offset, CancellationTokenSource cancellation)
    {
        var token = cancellation.Token;
        FetchedChunk? chunk = null;
        try
        {
            for (var attempt = 0; chunk is null; )
            {
                try
                {
                    if (offset < 0)
                    {
                        offset = await ResolveAsync(state, offset, token).ConfigureAwait(false);
                        lock (_gate)
                        {
                            if (state.Version != version)
                            {
                                return;
                            }

                            state.FetchOffset = offset;
                            state.Position = offset;
                        }
                    }

                    var (response, summary) = await FetchFromAsync(state, version, offset, token).ConfigureAwait(false);
                    attempt = 0;
                    lock (_gate)
                    {
                        if (state.Version != version)
                        {
                            ReleaseBytes(response);
                            return;
                        }

                        state.HighWatermark = response.HighWatermark;
                        state.FetchOffset = summary.NextOffset;
                    }

                    if (summary.RecordCount > 0 || (HandsOutMarkers && summary.NextOffset > offset))
                    {
                        chunk = new FetchedChunk(state, version, response.Batches, HandsOutMarkers ? summary with { LastOffset = summary.NextOffset - 1 } : summary, response.HighWatermark);
                    }
                    else
                    {
                        ReleaseBytes(response); // nothing to hand out (empty, or control batches only)
                    }

                    offset = summary.NextOffset;
                }
                catch (RunnelException ex) when (ex.Code == RunnelErrorCode.OffsetOutOfRange && Options.AutoOffsetReset != AutoOffsetReset.Error)
                {
                    offset = Options.AutoOffsetReset == AutoOffsetReset.Earliest ? Offset.BeginningValue : Offset.EndValue;
                }
                catch (RunnelException ex) when (Errors.IsRetriable(ex) && !token.IsCancellationRequested)
                {
                    await Task.Delay(Errors.Backoff(attempt++, Options.RetryBackoff, Options.RetryBackoffMax), _time, token).ConfigureAwait(false);
                }
                catch (RunnelException ex)
                {
                    chunk = new FetchedChunk(state, version, ex.Code == RunnelErrorCode.OffsetOutOfRange
                        ? new RunnelException(ex.Code, $"{state.Partition}: offset {offset} is out of range and AutoOffsetReset is Error ({ex.Message}).", ex)
                        : ex);
                }
            }

            lock (_gate)
            {
                if (state.Version != version || !state.Assigned)
                {
                    return;
                }

                state.FetchingVersion = -1;
                state.Buffered++;
                _chunks.Writer.TryWrite(chunk);
                if (chunk.Error is null)
                {
                    MaybeFetchLocked(state); // pipelining: fetch on while the application has not caught up
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // seek, unassign or dispose: the new owner of the partition state starts its own fetch
        }
        finally
        {
            lock (_gate)
            {
                if (state.FetchCancellation == cancellation)
                {
                    state.FetchCancellation = null;
                }
            }

            cancellation.Dispose();
        }
    }

    private async Task<long> ResolveAsync(FetchState state, long special, CancellationToken cancellationToken)
    {
        if (special == Offset.StoredValue && Options.GroupId is { } groupId)
        {
            // A read_committed consumer asks for stable offsets: one pending in an open transaction is answered with the
            // retriable UnstableOffsetCommit, and the fetch loop asks again, so a consumer taking over a partition from a
            // transactional pipeline starts after what the transaction commits, never before it (Kafka's require_stable).
            var groupGrain = _grains.GetGrain<IConsumerGroupGrain>(groupId);
            GroupPartition[] partitions = [new GroupPartition(state.Partition.Topic, state.Partition.Partition)];
            var committed = Options.IsolationLevel == IsolationLevel.ReadCommitted
                ? await groupGrain.FetchStableOffsetsAsync(partitions, cancellationToken).ConfigureAwait(false)
                : await groupGrain.FetchOffsetsAsync(partitions, cancellationToken).ConfigureAwait(false);
            if (committed.Count > 0 && committed[0].Offset >= 0)
            {
                return committed[0].Offset;
            }
        }

        var policy = special switch
        {
            Offset.BeginningValue => AutoOffsetReset.Earliest,
            Offset.EndValue => AutoOffsetReset.Latest,
            _ => Options.AutoOffsetReset,
        };
        if (policy == AutoOffsetReset.Error && Options.GroupId is { } group && _membership is not null)
        {
            throw new RunnelException(RunnelErrorCode.OffsetOutOfRange,
                $"{state.Partition} has no committed offset in group {group} and AutoOffsetReset is Error (Kafka's none): commit or reset the group's offsets first.");
        }

        if (policy == AutoOffsetReset.Error)
        {
            throw new RunnelException(RunnelErrorCode.OffsetOutOfRange, $"{state.Partition} has no position and AutoOffsetReset is Error: assign it with an offset or seek first.");
        }

        var offsets = await state.Grain.GetOffsetsAsync(cancellationToken).ConfigureAwait(false);
        return policy == AutoOffsetReset.Earliest ? offsets.LogStartOffset : offsets.HighWatermark;
    }

    /// <summary>One fetch's bytes from <paramref name="offset"/> on, checked and summarized: read from the sealed segment
    /// that holds the offset when the connection has a segment store (asking the grain where it is first), otherwise, or
    /// when that read fails in any way (the segment deleted by retention or compaction meanwhile, a store error, a
    /// batch that does not check), fetched from the partition grain.</summary>
    private async Task<(FetchResponse Response, FetchSummary Summary)> FetchFromAsync(FetchState state, int version, long offset, CancellationToken token)
    {
        var committedOnly = Options.IsolationLevel == IsolationLevel.ReadCommitted;
        if (_segmentStore is { } store && offset < state.ActiveSegmentFrom)
        {
            var location = await state.Grain.LocateSealedAsync(offset, token).ConfigureAwait(false);
            if (location is not null && committedOnly && offset >= location.LastStableOffset)
            {
                location = null; // an open transaction holds the offset back: the partition's fetch waits for it
            }
            else if (location is null)
            {
                lock (_gate)
                {
                    if (state.Version == version)
                    {
                        state.ActiveSegmentFrom = offset;
                    }
                }
            }
            else
            {
                ReadOnlyMemory<byte> batches = default;
                try
                {
                    batches = await SealedSegmentReader.ReadAsync(store, location.Segment, location.Position, location.SealedLength, offset, Options.FetchMaxBytes, token).ConfigureAwait(false);
                    if (!batches.IsEmpty)
                    {
                        // Always checked, whatever CheckCrcs says: these bytes did not come through a partition.
                        var direct = new FetchResponse(batches, location.LogStartOffset, location.HighWatermark, location.LastStableOffset)
                        {
                            AbortedTransactions = location.AbortedTransactions,
                        };
                        var summary = FetchSummary.Of(batches, offset, checkCrcs: true);
                        return committedOnly ? KeepCommitted(direct, summary, offset) : (direct, summary);
                    }
                }
                catch (Exception ex) when (ex is RunnelException or IOException && !token.IsCancellationRequested)
                {
                    if (PooledBuffer.TryGetFrom(batches, out var read))
                    {
                        read.Release();
                    }

                    LogSegmentReadFailed(_logger, state.Partition.ToString(), location.Segment, offset, ex.Message);
                }
            }
        }

        var response = await state.Grain.FetchAsync(new FetchRequest(offset, Options.FetchMaxBytes, Options.FetchMaxWait, Options.IsolationLevel), token).ConfigureAwait(false);
        try
        {
            var summary = Summarize(state.Partition, response.Batches, offset);
            return committedOnly && response.AbortedTransactions.Count > 0 ? KeepCommitted(response, summary, offset) : (response, summary);
        }
        catch
        {
            ReleaseBytes(response);
            throw;
        }
    }

    /// <summary>
    /// A read_committed reader's part of a response: the batches below its last stable offset without aborted
    /// transactions' batches (<see cref="TransactionFilter"/>). The next fetch still starts after every batch the
    /// response held (<paramref name="summary"/>'s next offset): skipped batches are passed, not fetched again.
    /// </summary>
    private (FetchResponse Response, FetchSummary Summary) KeepCommitted(FetchResponse response, FetchSummary summary, long offset)
    {
        var kept = TransactionFilter.Apply(response.Batches, response.LastStableOffset, response.AbortedTransactions, out var copied, out var passed);
        if (kept.Length == response.Batches.Length)
        {
            return (response, summary);
        }

        if (copied)
        {
            ReleaseBytes(response);
        }

        var stable = FetchSummary.Of(kept, offset, checkCrcs: false);
        return (response with { Batches = kept }, stable with { NextOffset = Math.Max(passed, stable.NextOffset) });
    }

    /// <summary>Gives back the pooled buffer a fetch response received from a silo holds (see <see cref="FetchResponse"/>).</summary>
    private static void ReleaseBytes(FetchResponse response)
    {
        if (PooledBuffer.TryGetFrom(response.Batches, out var buffer))
        {
            buffer.Release();
        }
    }

    /// <summary>Checks a fetch response's batches (framing, CRCs) and counts its records at or after <paramref name="offset"/>.</summary>
    private FetchSummary Summarize(TopicPartition partition, ReadOnlyMemory<byte> batches, long offset)
    {
        try
        {
            return FetchSummary.Of(batches, offset, Options.CheckCrcs);
        }
        catch (CorruptRecordBatchException ex)
        {
            throw new RunnelException(RunnelErrorCode.CorruptRecordBatch, $"{partition}: a fetched batch at or after offset {offset} is corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>Decodes the records of a fetched chunk at or after <paramref name="offset"/> (control batches skipped)
    /// into consume results.</summary>
    private List<object> Decode(TopicPartition partition, ReadOnlyMemory<byte> batches, long offset)
    {
        var results = new List<object>();
        using var records = new ConsumedBatch.Enumerator(partition, batches, offset, owner: null);
        while (records.MoveNext())
        {
            results.Add(ToResult(partition, records.Current));
        }

        return results;
    }

    private ConsumeResult<TKey, TValue> ToResult(TopicPartition partition, Record record)
    {
        Headers? headers = null;
        if (record.Headers.Count > 0)
        {
            headers = new Headers();
            foreach (var header in record.Headers)
            {
                headers.Add(header.Key, header.Value?.ToArray());
            }
        }

        TKey? key;
        TValue? value;
        try
        {
            key = record.Key is { } k ? _keyDeserializer.Deserialize(k.Span) : default;
        }
        catch (Exception ex) when (ex is not RunnelException)
        {
            throw new RunnelException(RunnelErrorCode.DeserializationFailed, $"The key of {partition}@{record.Offset} could not be deserialized: {ex.Message}", ex);
        }

        try
        {
            value = record.Value is { } v ? _valueDeserializer.Deserialize(v.Span) : default;
        }
        catch (Exception ex) when (ex is not RunnelException)
        {
            throw new RunnelException(RunnelErrorCode.DeserializationFailed, $"The value of {partition}@{record.Offset} could not be deserialized: {ex.Message}", ex);
        }

        var message = new Message<TKey, TValue>
        {
            Key = key,
            Value = value,
            Headers = headers,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(record.Timestamp),
        };
        return new ConsumeResult<TKey, TValue>(partition, record.Offset, message);
    }
}
