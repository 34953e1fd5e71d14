using System.Buffers;
using Microsoft.Extensions.Logging;
using Runnel.Buffers;
using Runnel.Log.Internal;
using Runnel.Storage;

namespace Runnel.Log;

/// <summary>
/// One partition's append-only log on an <see cref="IObjectStore"/>: record batches in append-blob segments, described
/// by a manifest that changes only by compare-and-swap. An instance is the partition's owner for one epoch:
/// <see cref="OpenAsync"/> takes the partition over (fencing every earlier owner), and an instance that finds itself
/// fenced fails its pending and later work with <see cref="NotOwnerException"/>.
/// </summary>
/// <remarks>
/// <para>Appends are group-committed: batches that arrive while one storage write is in flight go out together in the
/// next append block (up to <see cref="PartitionLogOptions.MaxBlockBytes"/>). An append's task completes only when the
/// store has acknowledged its block, and only then do its offsets become visible below the
/// <see cref="HighWatermark"/>.</para>
/// <para>Thread-safe: appends, reads and waits may come from any thread at once.</para>
/// </remarks>
public sealed partial class PartitionLog : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly PartitionPaths _paths;
    private readonly PartitionLogOptions _options;
    private readonly ILogger _logger;
    private readonly string _owner;

    /// <summary>The write id of the manifest this instance took the partition over from (see <see cref="TryCheckpointAsync"/>).</summary>
    private readonly string _takenOverWriteId;

    // Guards everything below that is not marked writer-owned.
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly TailCache _tail;
    private readonly Queue<BlockBuilder> _full = new();
    private BlockBuilder? _filling;
    private long _pendingBytes;
    private long _assignOffset;
    private int _lastBlockBytes = 64 * 1024;
    private bool _writerRunning;
    private TaskCompletionSource _writerIdle = NewSignal(completed: true);
    private TaskCompletionSource _roomAvailable = NewSignal(completed: true);
    private TaskCompletionSource _highWatermarkMoved = NewSignal(completed: false);
    private LifecycleState _lifecycle = LifecycleState.Active;
    private Exception? _terminalError;
    private long _highWatermark;
    private long _logStartOffset;

    /// <summary>Open and aborted transactions, applied as blocks are published (see <see cref="TransactionSnapshot"/>).</summary>
    private readonly TransactionIndex _transactions = new();

    /// <summary>Whether <see cref="_transactions"/> holds this instance's state (after recovery): until then a manifest
    /// write carries the previous owner's snapshot unchanged.</summary>
    private bool _transactionsLoaded;

    /// <summary>The recovered segment's tail checkpoint's transaction snapshot, when the takeover used one.</summary>
    private TransactionSnapshot? _checkpointTransactions;

    // Writer-owned (touched only by the single writer loop, or by open/close when no writer runs), except that every
    // manifest change after open (roll, retention, release) also holds _manifestLock.
    private readonly SemaphoreSlim _manifestLock = new(1, 1);
    private PartitionManifest _manifest;
    private ETag _manifestETag;
    private long _nextOffset;
    private int _activeBlocks;

    // Writer-owned: what the next tail checkpoint of the active segment says (see TailCheckpoint).
    private readonly Dictionary<long, Queue<BatchSummary>> _checkpointProducers = [];
    private BatchSummary _checkpointLastBatch;
    private int _blocksSinceCheckpoint;
    private int _checkpointInFlight;
    private Task _checkpointWrite = Task.CompletedTask;

    private enum LifecycleState
    {
        Active,
        Closing,
        Closed,
        Fenced,
        Faulted,
    }

    private PartitionLog(IObjectStore store, PartitionPaths paths, string owner, PartitionLogOptions options, ILogger logger, PartitionManifest manifest, ETag manifestETag)
    {
        _store = store;
        _paths = paths;
        _owner = owner;
        _options = options;
        _logger = logger;
        _manifest = manifest;
        _manifestETag = manifestETag;
        _takenOverWriteId = manifest.WriteId;
        _tail = new TailCache(options.TailCacheBytes);
    }

    /// <summary>The partition's blob prefix, e.g. <c>topics/orders/3/</c>.</summary>
    public string Partition => _paths.Prefix;

    /// <summary>The owner epoch this instance holds. Every stored batch it appends carries it as its partition leader epoch.</summary>
    public long Epoch => _manifest.Epoch;

    /// <summary>The first offset still readable.</summary>
    public long LogStartOffset
    {
        get
        {
            lock (_gate)
            {
                return _logStartOffset;
            }
        }
    }

    /// <summary>One past the last durable (acknowledged) offset: reads see everything below it.</summary>
    public long HighWatermark
    {
        get
        {
            lock (_gate)
            {
                return _highWatermark;
            }
        }
    }

    /// <summary>The bytes the tail cache keeps in memory (its blocks' arrays): what an idle partition costs the silo.</summary>
    internal long TailCacheRetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _tail.RetainedBytes;
            }
        }
    }

    /// <summary>One past the last offset a read-committed consumer may see: the first offset of the oldest open
    /// transaction, or the high watermark when none is open.</summary>
    public long LastStableOffset
    {
        get
        {
            lock (_gate)
            {
                return LastStableOffsetLocked;
            }
        }
    }

    private long LastStableOffsetLocked => Math.Min(_highWatermark, _transactions.FirstOpenOffset);

    /// <summary>How many producers have a transaction open on this partition (as far as durable batches tell).</summary>
    public int OpenTransactionCount
    {
        get
        {
            lock (_gate)
            {
                return _transactions.OpenCount;
            }
        }
    }

    /// <summary>Whether <paramref name="producerId"/> has a transaction open here (its first transactional batch is
    /// durable and no marker has ended it yet).</summary>
    public bool HasOpenTransaction(long producerId)
    {
        lock (_gate)
        {
            return _transactions.IsOpen(producerId);
        }
    }

    /// <summary>The aborted transactions whose records overlap [<paramref name="from"/>, <paramref name="to"/>): a
    /// read_committed reader skips those producers' transactional batches in each one's range.</summary>
    public IReadOnlyList<Runnel.Grains.AbortedTransaction> AbortedTransactions(long from, long to)
    {
        lock (_gate)
        {
            return _transactions.Overlapping(from, to);
        }
    }

    /// <summary>The transaction bookkeeping now (for tests and diagnostics).</summary>
    public TransactionSnapshot Transactions
    {
        get
        {
            lock (_gate)
            {
                return _transactions.ToSnapshot(_logStartOffset);
            }
        }
    }

    /// <summary>The batches of the segment that was active under the previous owner, as recovered by the takeover scan
    /// (empty after a clean hand-over, when there was nothing to recover), in offset order. When the takeover started
    /// from the previous owner's tail checkpoint, the batches before the checkpoint are only each producer's most
    /// recent <see cref="PartitionLogOptions.CheckpointBatchesPerProducer"/> (what an idempotent producer's state
    /// needs); every batch after it is there. The partition grain rebuilds its idempotent producers' state from these.</summary>
    public IReadOnlyList<BatchSummary> RecoveredTail { get; private set; } = [];

    /// <summary>The offset from which <see cref="RecoveredTail"/> holds every producer's most recent batches: the base
    /// offset of the segment the takeover recovered, or the high watermark after a clean hand-over (nothing recovered).
    /// A producer whose last batch lies before it is known only from state saved elsewhere (or by reading the log from
    /// that state's offset up to here).</summary>
    public long RecoveredTailFrom { get; private set; }

    /// <summary>Whether the takeover started from the previous owner's tail checkpoint instead of scanning the whole
    /// segment (for tests).</summary>
    internal bool RecoveredFromCheckpoint { get; private set; }

    /// <summary>A snapshot of the manifest as this instance last wrote it.</summary>
    public PartitionManifest Manifest
    {
        get
        {
            lock (_gate)
            {
                return _manifest;
            }
        }
    }

    private static TaskCompletionSource NewSignal(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            tcs.SetResult();
        }

        return tcs;
    }

    /// <summary>One segment as this instance knows it.</summary>
    private sealed class Segment(SegmentDescriptor descriptor)
    {
        public SegmentDescriptor Descriptor { get; set; } = descriptor;

        /// <summary>Committed bytes: the sealed length, or what the active segment holds so far.</summary>
        public long Length { get; set; } = descriptor.SealedLength ?? 0;

        /// <summary>The sparse index; null until loaded for a sealed segment.</summary>
        public SegmentIndex? Index { get; set; }

        public long BaseOffset => Descriptor.BaseOffset;
    }

    /// <summary>An append waiting for its block to be written; its offsets were assigned when it was queued.</summary>
    private sealed class PendingAppend(LogAppendResult result)
    {
        public LogAppendResult Result { get; } = result;

        public TaskCompletionSource<LogAppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// One append block in the making: appenders copy their batches straight into it (offsets and leader epoch already
    /// rewritten), under the gate, while the writer is busy with the previous block; the writer then sends it whole.
    /// Its array is rented from the shared pool; once written, <see cref="Publish"/> hands it to the tail cache as a
    /// <see cref="PooledBuffer"/>, which returns it to the pool when the cache and every read from it are done with it.
    /// A block that is never published (its write failed) is left to the GC.
    /// </summary>
    private sealed class BlockBuilder(int capacity, long baseOffset)
    {
        public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(capacity);

        public int Length { get; set; }

        public long BaseOffset { get; } = baseOffset;

        public long NextOffset { get; set; } = baseOffset;

        public List<PendingAppend> Appends { get; } = [];

        /// <summary>The batches in it; <see cref="BatchSummary.Position"/> is relative to the block's start.</summary>
        public List<BatchSummary> Batches { get; } = [];

        public ReadOnlyMemory<byte> Data => Buffer.AsMemory(0, Length);

        /// <summary>Makes room for <paramref name="bytes"/> more, doubling up to <paramref name="limit"/>. Caller holds
        /// the gate and the block is still being filled (nobody else has seen its array).</summary>
        public void Reserve(int bytes, int limit)
        {
            if (Length + bytes <= Buffer.Length)
            {
                return;
            }

            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(limit, Math.Max(Length + bytes, Buffer.Length * 2)));
            Buffer.AsSpan(0, Length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = grown;
        }

        /// <summary>The written block as a pooled buffer holding one reference, for the tail cache. The builder is done.
        /// A block that fills a quarter of its array or less moves to an array of its size first: the cache keeps the
        /// array, and a partition's first block is built in 64 KiB (sized for a busy partition's group commit) — kept
        /// whole, that was 64 KiB for each of 10,000 idle partitions holding one small record each.</summary>
        public PooledBuffer Publish()
        {
            if (Buffer.Length >= 4096 && Length <= Buffer.Length / 4)
            {
                var fitted = ArrayPool<byte>.Shared.Rent(Length);
                Buffer.AsSpan(0, Length).CopyTo(fitted);
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = fitted;
            }

            return PooledBuffer.FromRented(Buffer, Length);
        }
    }
}
