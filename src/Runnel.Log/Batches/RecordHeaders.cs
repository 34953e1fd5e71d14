using System.Buffers;

namespace Runnel.Log.Batches;

/// <summary>
/// A record's headers, over the record's bytes (already length-checked when the record was parsed). Enumerating
/// allocates nothing; each <see cref="RecordHeaderView"/> is a pair of slices.
/// </summary>
public readonly struct RecordHeaders
{
    private readonly ReadOnlyMemory<byte> _bytes;

    internal RecordHeaders(ReadOnlyMemory<byte> bytes, int count)
    {
        _bytes = bytes;
        Count = count;
    }

    /// <summary>The number of headers.</summary>
    public int Count { get; }

    /// <summary>Enumerates the headers in order.</summary>
    public Enumerator GetEnumerator() => new(_bytes, Count);

    /// <summary>Enumerates headers; a value type, for allocation-free <c>foreach</c>.</summary>
    public struct Enumerator
    {
        private readonly ReadOnlyMemory<byte> _bytes;
        private readonly int _count;
        private int _index;
        private int _position;

        internal Enumerator(ReadOnlyMemory<byte> bytes, int count)
        {
            _bytes = bytes;
            _count = count;
            _index = 0;
            _position = 0;
            Current = default;
        }

        /// <summary>The current header.</summary>
        public RecordHeaderView Current { get; private set; }

        /// <summary>Moves to the next header.</summary>
        /// <exception cref="CorruptRecordBatchException">The header bytes are malformed (only possible for bytes that
        /// were never validated, since parsing a record checks its headers).</exception>
        public bool MoveNext()
        {
            if (_index == _count)
            {
                return false;
            }

            var key = ReadBytes(out var keyNull);
            var value = ReadBytes(out var valueNull);
            if (keyNull)
            {
                throw new CorruptRecordBatchException(CorruptRecordBatchReason.LengthMismatch, $"Header {_index} has a null key.");
            }

            // Spelled out: a bare null in a conditional with a memory converts to an empty memory, not a null one.
            Current = new RecordHeaderView(key, valueNull ? (ReadOnlyMemory<byte>?)null : value);
            _index++;
            return true;
        }

        private ReadOnlyMemory<byte> ReadBytes(out bool isNull)
        {
            var span = _bytes.Span[_position..];
            if (Varint.TryReadInt32(span, out var length, out var n) != OperationStatus.Done || length < -1 || length > span.Length - n)
            {
                throw new CorruptRecordBatchException(CorruptRecordBatchReason.LengthMismatch,
                    $"Header {_index}: a length at byte {_position} of the headers is malformed or runs past them.");
            }

            _position += n;
            isNull = length < 0;
            if (isNull)
            {
                return default;
            }

            var bytes = _bytes.Slice(_position, length);
            _position += length;
            return bytes;
        }
    }
}
