namespace Runnel.Log.Batches;

/// <summary>
/// Iterates the batches stored back to back in a buffer (a fetch response, a segment range), zero-copy: each
/// <see cref="RecordBatchView"/> is a slice of the buffer and valid while the buffer is. Enumerating allocates
/// nothing. Each batch's framing, magic and (by default) CRC are checked as it is reached; a buffer that ends inside
/// a batch throws. To find where valid data ends without throwing (crash recovery), use <see cref="RecordBatchSplitter"/>.
/// </summary>
public readonly struct RecordBatchReader
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly bool _verifyCrc;

    /// <param name="buffer">Whole batches, back to back.</param>
    /// <param name="verifyCrc">Check each batch's CRC-32C as it is reached (one pass over its bytes); true by default,
    /// as Kafka consumers do.</param>
    public RecordBatchReader(ReadOnlyMemory<byte> buffer, bool verifyCrc = true)
    {
        _buffer = buffer;
        _verifyCrc = verifyCrc;
    }

    /// <summary>Enumerates the batches in order.</summary>
    public Enumerator GetEnumerator() => new(_buffer, _verifyCrc);

    /// <summary>Enumerates batches; a value type, for allocation-free <c>foreach</c>.</summary>
    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _buffer;
        private readonly bool _verifyCrc;
        private int _position;

        internal Enumerator(ReadOnlyMemory<byte> buffer, bool verifyCrc)
        {
            _buffer = buffer;
            _verifyCrc = verifyCrc;
            _position = 0;
            Current = default;
        }

        /// <summary>The current batch.</summary>
        public RecordBatchView Current { get; private set; }

        /// <summary>Byte position of the next batch in the buffer.</summary>
        public readonly int Position => _position;

        /// <summary>Moves to the next batch.</summary>
        /// <exception cref="CorruptRecordBatchException">The buffer ends inside a batch
        /// (<see cref="CorruptRecordBatchReason.Truncated"/>), or a batch's length, magic or CRC is wrong.</exception>
        public bool MoveNext()
        {
            if (_position == _buffer.Length)
            {
                return false;
            }

            var rest = _buffer[_position..];
            if (_verifyCrc)
            {
                if (!RecordBatch.TryCheckFrame(rest.Span, requireExactLength: false, out var fault))
                {
                    throw new CorruptRecordBatchException(fault.Reason, $"Batch at byte {_position}: {fault.Message}");
                }
            }
            else if (rest.Length < RecordBatch.LogOverhead)
            {
                throw new CorruptRecordBatchException(CorruptRecordBatchReason.Truncated,
                    $"Batch at byte {_position}: {rest.Length} bytes remain, fewer than the {RecordBatch.LogOverhead}-byte log overhead.");
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rest.Span[RecordBatch.BatchLengthOffset..]);
            var total = RecordBatch.LogOverhead + (long)length;
            if (length < RecordBatch.MinBatchLength || total > rest.Length)
            {
                throw new CorruptRecordBatchException(length < RecordBatch.MinBatchLength ? CorruptRecordBatchReason.LengthMismatch : CorruptRecordBatchReason.Truncated,
                    $"Batch at byte {_position}: batchLength {length} makes it {total} bytes long; {rest.Length} remain.");
            }

            Current = new RecordBatchView(rest[..(int)total]);
            _position += (int)total;
            return true;
        }
    }
}
