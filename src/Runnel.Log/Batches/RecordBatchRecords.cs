using Runnel.Buffers;
using Runnel.Log.Internal;

namespace Runnel.Log.Batches;

/// <summary>
/// The records of one batch, parsed lazily as they are enumerated. For a compressed batch this owns the pooled
/// buffer the records were decompressed into: every <see cref="Record"/> slice from it is valid only until
/// <see cref="Dispose"/>. For an uncompressed batch the slices are of the batch's own memory and
/// <see cref="Dispose"/> does nothing. Copies of this value share the buffer; disposing any of them (once or more)
/// releases it. Not thread-safe.
/// </summary>
public readonly struct RecordBatchRecords : IDisposable
{
    private readonly ReadOnlyMemory<byte> _records;
    private readonly RecordBatchHeader _header;
    private readonly PooledBufferWriter? _owner;

    internal RecordBatchRecords(ReadOnlyMemory<byte> records, RecordBatchHeader header, PooledBufferWriter? owner)
    {
        _records = records;
        _header = header;
        _owner = owner;
    }

    /// <summary>The number of records the batch declares.</summary>
    public int Count => _header.RecordCount;

    /// <summary>The uncompressed records region (see the lifetime rules above).</summary>
    public ReadOnlyMemory<byte> RecordBytes => _records;

    /// <summary>Enumerates the records in order, checking each one's fields as it goes.</summary>
    public Enumerator GetEnumerator() => new(_records, _header);

    /// <summary>Returns the decompression buffer to the pool, if there is one.</summary>
    public void Dispose() => _owner?.Dispose();

    /// <summary>Enumerates records; a value type, for allocation-free <c>foreach</c>.</summary>
    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _records;
        private readonly RecordBatchHeader _header;
        private int _index;
        private int _position;

        internal Enumerator(ReadOnlyMemory<byte> records, RecordBatchHeader header)
        {
            _records = records;
            _header = header;
            _index = 0;
            _position = 0;
            Current = default;
        }

        /// <summary>The current record.</summary>
        public Record Current { get; private set; }

        /// <summary>Moves to the next record.</summary>
        /// <exception cref="CorruptRecordBatchException">A record is malformed, or the data holds more or fewer
        /// records than the header declares.</exception>
        public bool MoveNext()
        {
            var span = _records.Span;
            if (_index == _header.RecordCount)
            {
                if (_position != span.Length)
                {
                    throw new CorruptRecordBatchException(CorruptRecordBatchReason.RecordCountMismatch,
                        $"The header says {_header.RecordCount} records but {span.Length - _position} bytes follow the last of them.");
                }

                return false;
            }

            if (_position == span.Length)
            {
                throw new CorruptRecordBatchException(CorruptRecordBatchReason.RecordCountMismatch,
                    $"The header says {_header.RecordCount} records but the data holds only {_index}.");
            }

            if (!RecordWalker.TryParse(span, ref _position, _index, out var layout, out var fault))
            {
                throw fault.ToException();
            }

            var timestamp = _header.TimestampType == TimestampType.LogAppendTime
                ? _header.MaxTimestamp
                : _header.BaseTimestamp + layout.TimestampDelta;
            Current = new Record(
                _header.BaseOffset + layout.OffsetDelta,
                timestamp,
                layout.OffsetDelta,
                layout.TimestampDelta,
                layout.Attributes,
                SliceOrNull(_records, layout.KeyOffset, layout.KeyLength),
                SliceOrNull(_records, layout.ValueOffset, layout.ValueLength),
                new RecordHeaders(_records.Slice(layout.HeadersOffset, layout.HeadersLength), layout.HeaderCount));
            _index++;
            return true;
        }

        // Spelled out: a bare null in a conditional with a memory converts to an empty memory, not a null one.
        private static ReadOnlyMemory<byte>? SliceOrNull(ReadOnlyMemory<byte> records, int offset, int length) =>
            length < 0 ? (ReadOnlyMemory<byte>?)null : records.Slice(offset, length);
    }
}
