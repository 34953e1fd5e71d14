using Runnel.Buffers;
using Runnel.Kafka.Protocol.Messages;

namespace Runnel.Kafka.Internal;

/// <summary>
/// One connection's fetch read-ahead. A Kafka consumer keeps one Fetch in flight per broker, so without it every Fetch
/// waits for its partitions' reads, and the log sits idle while the answer travels and the client parses it. When a
/// Fetch answers a partition with data ending before the partition's end, the handler starts the read of the next range
/// here (<see cref="TryStart"/>); the next Fetch of that partition at exactly that offset, with the same partition
/// <c>max_bytes</c> and isolation level, takes it (<see cref="TryTake"/>) instead of reading again.
/// <list type="bullet">
/// <item>Bounded: at most one read per partition, and the partition <c>max_bytes</c> of the pending reads add up to at
/// most the connection's budget (<see cref="KafkaListenerOptions.FetchReadAheadBytes"/>).</item>
/// <item>A read that is not taken as it is (the client asked another offset: a seek, a trimmed answer; or another size
/// or isolation level) is discarded and its pooled buffer released once the read ends; so is one older than
/// <see cref="MaxAge"/> (a paused partition's, or one across a topic's deletion: looked for at each start and take), and
/// all of them when the connection closes (<see cref="Dispose"/>).</item>
/// <item>The bytes are the log's, read the same way a Fetch reads them: what was read ahead at a read_committed level
/// stops at the last stable offset of its time, which only grows.</item>
/// </list>
/// Thread-safe: a client may have several requests of one connection in progress.
/// </summary>
internal sealed class FetchReadAhead(long budgetBytes, TimeProvider time) : IDisposable
{
    /// <summary>How long a read ahead waits to be taken: a consumer's next Fetch comes within milliseconds (librdkafka
    /// pauses a partition for up to <c>fetch.queue.backoff.ms</c>, 1 s, when its own queue is full).</summary>
    internal static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Topic, int Partition), Pending> _pending = [];
    private long _reservedBytes;
    private bool _disposed;

    /// <summary>The reads in progress or done and not taken yet (for tests).</summary>
    internal int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Starts <paramref name="read"/> of <paramref name="topic"/>-<paramref name="partition"/> at
    /// <paramref name="offset"/>, unless the partition has a read pending already, the budget would be exceeded or the
    /// connection is closed. <paramref name="read"/> must not throw (a failed read is an answer with an error code).</summary>
    /// <returns>Whether the read was started.</returns>
    public bool TryStart(string topic, int partition, long offset, int maxBytes, IsolationLevel isolation, Func<Task<FetchApi.PartitionResponse>> read)
    {
        var now = time.GetUtcNow();
        List<Pending>? expired = null;
        try
        {
            lock (_lock)
            {
                foreach (var (key, pending) in _pending)
                {
                    if (now - pending.Started > MaxAge)
                    {
                        (expired ??= []).Add(pending);
                        _pending.Remove(key);
                        _reservedBytes -= pending.MaxBytes;
                    }
                }

                if (_disposed || _reservedBytes + maxBytes > budgetBytes || _pending.ContainsKey((topic, partition)))
                {
                    return false;
                }

                _reservedBytes += maxBytes;
                _pending[(topic, partition)] = new Pending(offset, maxBytes, isolation, now, read());
                return true;
            }
        }
        finally
        {
            foreach (var pending in expired ?? [])
            {
                Discard(pending.Read);
            }
        }
    }

    /// <summary>Takes the read of <paramref name="topic"/>-<paramref name="partition"/> when it is at
    /// <paramref name="offset"/> with <paramref name="maxBytes"/> and <paramref name="isolation"/> and not older than
    /// <see cref="MaxAge"/>; a read of the partition that differs is discarded. The caller owns what the taken read
    /// returns (its pooled buffer).</summary>
    public bool TryTake(string topic, int partition, long offset, int maxBytes, IsolationLevel isolation, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Task<FetchApi.PartitionResponse>? read)
    {
        Pending? pending;
        lock (_lock)
        {
            if (!_pending.Remove((topic, partition), out pending))
            {
                read = null;
                return false;
            }

            _reservedBytes -= pending.MaxBytes;
        }

        if (pending.Offset == offset && pending.MaxBytes == maxBytes && pending.Isolation == isolation && time.GetUtcNow() - pending.Started <= MaxAge)
        {
            read = pending.Read;
            return true;
        }

        Discard(pending.Read);
        read = null;
        return false;
    }

    /// <summary>Discards every read (their buffers are released as they end); later reads are not started.</summary>
    public void Dispose()
    {
        List<Pending> pending;
        lock (_lock)
        {
            _disposed = true;
            pending = [.. _pending.Values];
            _pending.Clear();
            _reservedBytes = 0;
        }

        foreach (var p in pending)
        {
            Discard(p.Read);
        }
    }

    /// <summary>Releases the buffer <paramref name="read"/> returns, now or once it ends.</summary>
    internal static void Discard(Task<FetchApi.PartitionResponse> read) =>
        read.ContinueWith(
            static done =>
            {
                if (done.IsCompletedSuccessfully && PooledBuffer.TryGetFrom(done.Result.Records, out var pooled))
                {
                    pooled.Release();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private sealed record Pending(long Offset, int MaxBytes, IsolationLevel Isolation, DateTimeOffset Started, Task<FetchApi.PartitionResponse> Read);
}
