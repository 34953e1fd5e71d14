using Runnel.Grains;
using Runnel.Log.Batches;

namespace Runnel.Client.Tests.Fakes;

/// <summary>
/// An in-memory partition that honours the <see cref="IPartitionGrain"/> contract: offsets assigned in order, whole
/// batches returned from a fetch (the first may start before the offset asked for), idempotent producers deduplicated
/// over their last 5 batches, OffsetOutOfRange outside [log start, high watermark], long-poll until data arrives.
/// Records every produce attempt for assertions. Thread-safe.
/// </summary>
public sealed class FakePartitionLog(string key)
{
    private const int DedupeWindow = 5;
    private readonly Lock _gate = new();
    private readonly List<byte[]> _batches = [];
    private readonly Dictionary<long, ProducerState> _producers = [];
    /// <summary>Completed (and replaced) by every append: wakes long-polls and batches waiting for a sequence gap to fill.</summary>
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Key { get; } = key;

    /// <summary>Every produce attempt, in arrival order.</summary>
    public List<ProduceAttempt> Attempts { get; } = [];

    public long HighWatermark
    {
        get
        {
            lock (_gate)
            {
                return NextOffsetLocked();
            }
        }
    }

    public long LogStartOffset { get; set; }

    /// <summary>The stored batches' bytes (copies).</summary>
    public IReadOnlyList<byte[]> Batches
    {
        get
        {
            lock (_gate)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>How long a batch ahead of its producer's sequence waits for the gap to fill (the real grain's
    /// <c>SequenceGapWait</c>). Kept well below the client's <c>StalledCallWatchdog.CheckAfter</c> (2 s): at the same
    /// 2 s the watchdog's check raced the answer, and a loaded run saw the call end with an unknown outcome.</summary>
    public static TimeSpan SequenceGapWait { get; } = TimeSpan.FromSeconds(1);

    private bool IsAheadLocked(RecordBatchHeader header)
    {
        if (header.ProducerId < 0)
        {
            return false;
        }

        if (!_producers.TryGetValue(header.ProducerId, out var state) || header.ProducerEpoch > state.Epoch)
        {
            return header.BaseSequence > 0;
        }

        return header.ProducerEpoch == state.Epoch && header.BaseSequence > state.NextSequence
            && !state.Recent.Exists(r => r.BaseSequence == header.BaseSequence);
    }

    public async Task<ProduceResponse> AppendAsync(ReadOnlyMemory<byte> batch, ProduceFault fault)
    {
        RecordBatch.Validate(batch.Span);
        var header = RecordBatchHeader.Read(batch.Span);
        lock (_gate)
        {
            switch (fault)
            {
                case ProduceFault.Unanswered:
                    Attempts.Add(new ProduceAttempt(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.RecordCount, batch.ToArray()));
                    throw new RunnelException(RunnelErrorCode.OutcomeUnknown, $"{Key}: fake fault: no answer", isRetriable: true, isOutcomeUnknown: true);
                case ProduceFault.Reject:
                    Attempts.Add(new ProduceAttempt(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.RecordCount, batch.ToArray()));
                    throw new RunnelException(RunnelErrorCode.InvalidArgument, $"{Key}: fake fault: refused");
                case ProduceFault.ForgetProducers:
                    _producers.Clear();
                    break;
            }
        }

        // Like the real partition: a batch ahead of its producer's sequence waits (bounded) for the requests it
        // overtook, since interleaved produce calls may arrive out of order. The wait is an await: the activation runs
        // one turn at a time, and the requests waited for arrive as other turns of it.
        var deadline = Environment.TickCount64 + (long)SequenceGapWait.TotalMilliseconds;
        while (true)
        {
            Task appended;
            lock (_gate)
            {
                if (!IsAheadLocked(header) || Environment.TickCount64 >= deadline)
                {
                    return HandleLocked(batch, header, fault);
                }

                appended = _appended.Task;
            }

            await Task.WhenAny(appended, Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64))));
        }
    }

    private ProduceResponse HandleLocked(ReadOnlyMemory<byte> batch, RecordBatchHeader header, ProduceFault fault)
    {
        var attempt = new ProduceAttempt(header.ProducerId, header.ProducerEpoch, header.BaseSequence, header.RecordCount, batch.ToArray());
        Attempts.Add(attempt);
        switch (fault)
        {
            case ProduceFault.NotOwner:
                throw new RunnelException(RunnelErrorCode.NotOwner, $"{Key}: fake fault: not the owner", isRetriable: true);
            case ProduceFault.OutOfOrderSequence:
                throw new RunnelException(RunnelErrorCode.OutOfOrderSequence, $"{Key}: fake fault: out of order");
        }

        ProduceResponse response;
        if (header.ProducerId < 0)
        {
            response = AppendLocked(batch.Span, header.RecordCount);
        }
        else
        {
            if (!_producers.TryGetValue(header.ProducerId, out var state) || header.ProducerEpoch > state.Epoch)
            {
                if (header.BaseSequence != 0)
                {
                    throw new RunnelException(RunnelErrorCode.UnknownProducerId,
                        $"{Key}: producer {header.ProducerId} epoch {header.ProducerEpoch} is new here and starts at sequence {header.BaseSequence}, not 0.",
                        isRetriable: true);
                }

                state = new ProducerState(header.ProducerEpoch);
                _producers[header.ProducerId] = state;
            }
            else if (header.ProducerEpoch < state.Epoch)
            {
                throw new RunnelException(RunnelErrorCode.ProducerFenced, $"{Key}: epoch {header.ProducerEpoch} < {state.Epoch}.");
            }

            var cached = state.Recent.Find(r => r.BaseSequence == header.BaseSequence && r.Count == header.RecordCount);
            if (cached is not null)
            {
                attempt.IsDuplicate = true;
                response = new ProduceResponse(cached.BaseOffset, cached.BaseOffset + cached.Count - 1, LogStartOffset, IsDuplicate: true);
            }
            else if (header.BaseSequence != state.NextSequence)
            {
                throw new RunnelException(RunnelErrorCode.OutOfOrderSequence,
                    $"{Key}: producer {header.ProducerId} sent sequence {header.BaseSequence}, expected {state.NextSequence}.");
            }
            else
            {
                response = AppendLocked(batch.Span, header.RecordCount);
                state.Recent.Add(new CachedBatch(header.BaseSequence, header.RecordCount, response.BaseOffset));
                if (state.Recent.Count > DedupeWindow)
                {
                    state.Recent.RemoveAt(0);
                }

                state.NextSequence = header.BaseSequence + header.RecordCount;
            }
        }

        if (fault == ProduceFault.LoseResponse)
        {
            throw new RunnelException(RunnelErrorCode.OutcomeUnknown, $"{Key}: fake fault: response lost", isRetriable: true, isOutcomeUnknown: true);
        }

        return response;
    }

    public FetchResponse Read(long offset, int maxBytes)
    {
        lock (_gate)
        {
            var hw = NextOffsetLocked();
            if (offset < LogStartOffset || offset > hw)
            {
                throw new RunnelException(RunnelErrorCode.OffsetOutOfRange, $"{Key}: offset {offset} is outside [{LogStartOffset}, {hw}].");
            }

            var output = new List<byte>();
            foreach (var batch in _batches)
            {
                var header = RecordBatchHeader.Read(batch);
                if (header.LastOffset < offset)
                {
                    continue;
                }

                if (output.Count > 0 && output.Count + batch.Length > maxBytes)
                {
                    break;
                }

                output.AddRange(batch);
            }

            return new FetchResponse(output.ToArray(), LogStartOffset, hw, hw);
        }
    }

    /// <summary>Completes when the log grows past <paramref name="offset"/> (or at once if it has).</summary>
    public Task WaitForDataAsync(long offset)
    {
        lock (_gate)
        {
            return NextOffsetLocked() > offset ? Task.CompletedTask : _appended.Task;
        }
    }

    public long? OffsetForTimestamp(long timestamp)
    {
        lock (_gate)
        {
            foreach (var batch in _batches)
            {
                var view = new RecordBatchView(batch);
                using var records = view.ReadRecords();
                foreach (var record in records)
                {
                    if (record.Timestamp >= timestamp)
                    {
                        return record.Offset;
                    }
                }
            }

            return null;
        }
    }

    private ProduceResponse AppendLocked(ReadOnlySpan<byte> batch, int count)
    {
        var baseOffset = NextOffsetLocked();
        var stored = batch.ToArray();
        RecordBatch.SetBaseOffset(stored, baseOffset);
        _batches.Add(stored);
        var appended = _appended;
        _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        appended.TrySetResult();
        return new ProduceResponse(baseOffset, baseOffset + count - 1, LogStartOffset, IsDuplicate: false);
    }

    private long NextOffsetLocked() => _batches.Count == 0 ? 0 : RecordBatchHeader.Read(_batches[^1]).LastOffset + 1;

    private sealed class ProducerState(short epoch)
    {
        public short Epoch { get; } = epoch;

        public int NextSequence { get; set; }

        public List<CachedBatch> Recent { get; } = [];
    }

    private sealed record CachedBatch(int BaseSequence, int Count, long BaseOffset);
}
