using Runnel.Log.Batches;

namespace Runnel.Client;

/// <summary>
/// The records of one fetch from one partition, handed out as the stored bytes: enumerating it walks the record
/// batches in place (<see cref="Record"/> is a struct whose key, value and headers are slices of those bytes), so a
/// record costs no allocation and no copy. Returned by <see cref="Consumer{TKey, TValue}.ConsumeBatchesAsync"/>.
/// </summary>
/// <remarks>
/// <para><b>Lifetime.</b> A batch and every slice taken from its records are valid only until the enumeration that
/// returned it moves on (its next <c>MoveNextAsync</c>) or ends (a <c>break</c>, an exception, cancellation, or the
/// consumer's disposal ending it). The consumer then releases the batch: enumerating it afterwards throws
/// <see cref="ObjectDisposedException"/>, and the bytes behind slices taken earlier may be reused, so a slice read after
/// the release may show other bytes. Copy (<c>record.Value?.ToArray()</c>) what must outlive the batch.</para>
/// <para><b>Contents.</b> Records in offset order, from <see cref="FirstOffset"/> to <see cref="LastOffset"/>, control
/// records (transaction markers) left out. Offsets may have gaps where the log has none to give (a compacted batch).
/// Each batch's CRC was checked when it was fetched (unless <see cref="ConsumerOptions.CheckCrcs"/> is off); the
/// record fields are checked as they are enumerated.</para>
/// <para><b>Threads.</b> Not thread-safe; enumerate from the thread that consumes.</para>
/// </remarks>
public sealed class ConsumedBatch
{
    private readonly ReadOnlyMemory<byte> _batches;
    private readonly Action? _onRelease;
    private bool _released;

    internal ConsumedBatch(TopicPartition topicPartition, ReadOnlyMemory<byte> batches, long firstOffset, long lastOffset, int count, long highWatermark, Action? onRelease = null)
    {
        TopicPartition = topicPartition;
        _batches = batches;
        _onRelease = onRelease;
        FirstOffset = firstOffset;
        LastOffset = lastOffset;
        Count = count;
        HighWatermark = highWatermark;
    }

    public TopicPartition TopicPartition { get; }

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition;

    /// <summary>The offset of the first record handed out (records before it in the first stored batch are skipped).</summary>
    public long FirstOffset { get; }

    /// <summary>The offset of the last record; the consumer's position moves to <c>LastOffset + 1</c>.</summary>
    public long LastOffset { get; }

    /// <summary>How many records enumerating yields (at least one).</summary>
    public int Count { get; }

    /// <summary>The partition's high watermark when this batch was fetched (lag = <c>HighWatermark - LastOffset - 1</c>).</summary>
    public long HighWatermark { get; }

    /// <summary>Whether the consumer has released the batch (see the lifetime rules above).</summary>
    public bool IsReleased => _released;

    /// <summary>The stored record batches (Kafka RecordBatch v2), unchanged and back to back, as the partition sent them:
    /// the first may start before <see cref="FirstOffset"/>, control batches are included. Same lifetime as the batch.</summary>
    /// <exception cref="ObjectDisposedException">The batch was released.</exception>
    public ReadOnlyMemory<byte> RawBatches
    {
        get
        {
            ThrowIfReleased();
            return _batches;
        }
    }

    /// <summary>Walks the records in place.</summary>
    /// <exception cref="ObjectDisposedException">The batch was released.</exception>
    public Enumerator GetEnumerator()
    {
        ThrowIfReleased();
        return new Enumerator(TopicPartition, _batches, FirstOffset, this);
    }

    /// <summary>Ends the batch's lifetime: the bytes go back to the consumer's pool.</summary>
    internal void Release()
    {
        if (!_released)
        {
            _released = true;
            _onRelease?.Invoke();
        }
    }

    private void ThrowIfReleased() => ObjectDisposedException.ThrowIf(_released, this);

    /// <summary>Enumerates the records of a <see cref="ConsumedBatch"/>; a struct, for allocation-free <c>foreach</c>.
    /// Dispose it (<c>foreach</c> does) to return the buffer of a compressed batch at once.</summary>
    public struct Enumerator : IDisposable
    {
        private readonly ConsumedBatch? _owner;
        private readonly TopicPartition _topicPartition;
        private readonly long _firstOffset;
        private RecordBatchReader.Enumerator _batches;
        private RecordBatchRecords _records;
        private RecordBatchRecords.Enumerator _recordEnumerator;
        private bool _inBatch;

        /// <summary>Walks the data records at or after <paramref name="firstOffset"/> in <paramref name="batches"/>
        /// (control batches skipped); when <paramref name="owner"/> is given, each step first checks it is not released.
        /// The consumer's per-record path walks a fetched chunk with it too, without an owner.</summary>
        internal Enumerator(TopicPartition topicPartition, ReadOnlyMemory<byte> batches, long firstOffset, ConsumedBatch? owner)
        {
            _owner = owner;
            _topicPartition = topicPartition;
            _firstOffset = firstOffset;
            _batches = new RecordBatchReader(batches, verifyCrc: false).GetEnumerator();
            _records = default;
            _recordEnumerator = default;
            _inBatch = false;
            Current = default;
        }

        /// <summary>The current record; its slices follow the batch's lifetime.</summary>
        public Record Current { get; private set; }

        /// <summary>Moves to the next record.</summary>
        /// <exception cref="ObjectDisposedException">The batch was released meanwhile.</exception>
        /// <exception cref="RunnelException"><see cref="RunnelErrorCode.CorruptRecordBatch"/>: a record is malformed.</exception>
        public bool MoveNext()
        {
            _owner?.ThrowIfReleased();
            try
            {
                while (true)
                {
                    if (_inBatch)
                    {
                        while (_recordEnumerator.MoveNext())
                        {
                            var record = _recordEnumerator.Current;
                            if (record.Offset >= _firstOffset)
                            {
                                Current = record;
                                return true;
                            }
                        }

                        _records.Dispose();
                        _inBatch = false;
                    }

                    if (!_batches.MoveNext())
                    {
                        return false;
                    }

                    var batch = _batches.Current;
                    if (batch.Header.IsControlBatch || batch.LastOffset < _firstOffset)
                    {
                        continue;
                    }

                    _records = batch.ReadRecords();
                    _recordEnumerator = _records.GetEnumerator();
                    _inBatch = true;
                }
            }
            catch (CorruptRecordBatchException ex)
            {
                throw new RunnelException(RunnelErrorCode.CorruptRecordBatch,
                    $"{_topicPartition}: a fetched batch at or after offset {_firstOffset} is corrupt: {ex.Message}", ex);
            }
        }

        /// <summary>Returns a compressed batch's decompression buffer, if one is open.</summary>
        public void Dispose()
        {
            if (_inBatch)
            {
                _records.Dispose();
                _inBatch = false;
            }
        }
    }
}
