using System.Collections;
using Microsoft.Extensions.Logging;
using Runnel.Client.Internal;

namespace Runnel.Client;

/// <summary>
/// A topic materialized as an in-memory view: the latest value of each key, from a compacted topic or a changelog
/// (records marked with a <see cref="RowKind"/>). Made by <see cref="RunnelConnection.CreateTable{TKey, TValue}"/>.
/// </summary>
/// <remarks>
/// <para><b>Restore, then follow.</b> On creation the table reads every partition of the topic from its log start
/// (with compaction, that is about the latest record per key) up to the high watermark each partition had then —
/// <see cref="WaitForCatchUpAsync"/> completes when it got there — and then keeps following new records until disposed.
/// Partitions added to the topic later are followed too, from their log start, within seconds.</para>
/// <para><b>How records apply.</b> A record with a value and no row kind, <see cref="RowKind.Insert"/> or
/// <see cref="RowKind.UpdateAfter"/> sets its key's row; a tombstone (null value) or <see cref="RowKind.Delete"/>
/// removes it; an <see cref="RowKind.UpdateBefore"/> (the before-image) is not applied as a value: it retracts its key's
/// row, which the update's after-image — produced in the same batch (<see cref="IProducer{TKey, TValue}.ProduceChangeAsync(string, TKey, TValue, TValue, CancellationToken)"/>) —
/// sets again. Keyless records are skipped.</para>
/// <para><b>Atomic swaps.</b> Records are applied to a copy and published with one reference swap:
/// <see cref="TryGetValue"/>, <see cref="Count"/>, enumeration, <see cref="Snapshot"/> and <see cref="Changed"/> see
/// the table between two swaps, never part of one. A swap holds whole stored batches — so never an update's
/// before-image without its after-image — and whole transactions: the records of a transaction (a transactional
/// producer's, or <see cref="IProducer{TKey, TValue}.ProduceChangeAsync(string, TKey, TValue, TValue, CancellationToken)"/>'s
/// inside one when the key changed partition) are held back until the table has read the transaction's commit marker on
/// every partition it wrote to, then applied together, all partitions in one swap; an aborted transaction's records
/// never apply. Records after a held transaction on its partitions wait behind it (per partition, records apply in
/// offset order). Enumerating walks the immutable snapshot taken when it began, however many
/// updates arrive meanwhile. Cost: the versions are a persistent hash trie; an applied record copies about log32(n)
/// small arrays (4 levels for a million keys), shared with the version before.</para>
/// <para><b>Threads.</b> Reads are thread-safe and lock-free. <see cref="Changed"/> handlers run on the table's reading
/// loop, one swap at a time, after the swap: a slow handler delays the table.</para>
/// <para><b>Errors.</b> A record whose key or value cannot be deserialized, or a fetch error that is not retriable,
/// stops the table: it keeps its last snapshot, <see cref="Error"/> tells why, and <see cref="WaitForCatchUpAsync"/>
/// throws it.</para>
/// </remarks>
public sealed partial class RunnelTable<TKey, TValue> : IReadOnlyCollection<KeyValuePair<TKey, TValue>>, IAsyncDisposable
    where TKey : notnull
{
    private readonly Consumer<byte[], byte[]> _consumer;
    private readonly IDeserializer<TKey> _keys;
    private readonly IDeserializer<TValue> _values;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<CancellationToken, Task<IReadOnlyList<WatermarkOffsets>>> _watermarks;
    private readonly Func<CancellationToken, Task<int>> _partitionCount;
    private readonly TimeProvider _time;

    /// <summary>The published version: replaced whole, once per swap, by the reading loop only.</summary>
    private HashTrie<TKey, TValue> _snapshot;
    private Task? _loop;
    private RunnelException? _error;
    private int _disposed;

    internal RunnelTable(string topic, Consumer<byte[], byte[]> consumer, IDeserializer<TKey> keys, IDeserializer<TValue> values, IEqualityComparer<TKey>? keyComparer,
        Func<CancellationToken, Task<IReadOnlyList<WatermarkOffsets>>> watermarks, Func<CancellationToken, Task<int>> partitionCount, TimeProvider time, ILogger logger)
    {
        _partitionCount = partitionCount;
        _time = time;
        Topic = topic;
        _consumer = consumer;
        _keys = keys;
        _values = values;
        _watermarks = watermarks;
        _logger = logger;
        _snapshot = HashTrie<TKey, TValue>.Empty(keyComparer);
    }

    /// <summary>The topic the table materializes.</summary>
    public string Topic { get; }

    /// <summary>The table as it is now: an immutable version that later changes do not touch (reading it takes no lock;
    /// keep it as long as needed).</summary>
    public IReadOnlyDictionary<TKey, TValue> Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The number of rows now.</summary>
    public int Count => Snapshot.Count;

    /// <summary>True once the restore reached every partition's high watermark as of the table's start.</summary>
    public bool IsCaughtUp => _caughtUp.Task.IsCompletedSuccessfully;

    /// <summary>The error that stopped the table, or null while it runs.</summary>
    public RunnelException? Error => Volatile.Read(ref _error);

    /// <summary>Raised after each swap with the records it applied and the table right after them. Runs on the
    /// table's reading loop: keep it short; an exception from it is logged and ignored.</summary>
    public event EventHandler<TableChangedEventArgs<TKey, TValue>>? Changed;

    /// <summary>The row of <paramref name="key"/>, if it has one now.</summary>
    public bool TryGetValue(TKey key, out TValue value) => Volatile.Read(ref _snapshot).TryGetValue(key, out value!);

    /// <summary>Completes when the table holds everything the topic held when the table was made (every partition
    /// read up to its high watermark as of then).</summary>
    /// <exception cref="RunnelException">The table stopped on an error (<see cref="Error"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public Task WaitForCatchUpAsync(CancellationToken cancellationToken = default) => _caughtUp.Task.WaitAsync(cancellationToken);

    /// <summary>Enumerates the snapshot taken when enumeration begins (see <see cref="Snapshot"/>).</summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => Snapshot.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Starts the reading loop (once, by the connection).</summary>
    internal void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Stops following the topic and closes its consumer. The last snapshot stays readable.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_watching is not null)
        {
            await _watching.ConfigureAwait(false);
        }

        await _consumer.DisposeAsync().ConfigureAwait(false);
        _caughtUp.TrySetException(new ObjectDisposedException(nameof(RunnelTable<TKey, TValue>), "The table was disposed before it caught up."));
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            var marks = await _watermarks(_stop.Token).ConfigureAwait(false);
            var targets = new Dictionary<int, long>();
            for (var p = 0; p < marks.Count; p++)
            {
                if (marks[p].HighWatermark > marks[p].LogStartOffset)
                {
                    targets[p] = marks[p].HighWatermark;
                }
            }

            for (var p = 0; p < marks.Count; p++)
            {
                _queues[p] = new PartitionQueue(marks[p].HighWatermark, trimmed: marks[p].LogStartOffset > 0) { Restored = !targets.ContainsKey(p) };
            }

            _consumer.Assign(Enumerable.Range(0, marks.Count).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
            _followed = marks.Count;
            _watching = WatchPartitionsAsync();
            if (targets.Count == 0)
            {
                _caughtUp.TrySetResult();
            }

            await foreach (var batch in _consumer.ConsumeBatchesAsync(_stop.Token).ConfigureAwait(false))
            {
                Ingest(batch);
                var restored = targets.Count > 0 && targets.TryGetValue(batch.Partition, out var target) && batch.LastOffset + 1 >= target;
                if (restored)
                {
                    targets.Remove(batch.Partition);
                    _queues[batch.Partition].Restored = true;
                }

                Drain();
                if (restored && targets.Count == 0)
                {
                    _caughtUp.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            var error = ex as RunnelException ?? Errors.From(ex);
            Volatile.Write(ref _error, error);
            TableLog.Stopped(_logger, Topic, error);
            _caughtUp.TrySetException(error);
        }
    }

    private static T Deserialize<T>(IDeserializer<T> deserializer, ReadOnlySpan<byte> data, TopicPartition partition, long offset, string what)
    {
        try
        {
            return deserializer.Deserialize(data);
        }
        catch (Exception ex) when (ex is not RunnelException)
        {
            throw new RunnelException(RunnelErrorCode.DeserializationFailed, $"The {what} of {partition}@{offset} could not be deserialized for the table: {ex.Message}", ex);
        }
    }
}
