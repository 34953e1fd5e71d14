using Runnel.Buffers;
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Runnel.Log.Internal;

namespace Runnel.Log.Batches;

/// <summary>
/// Builds one RecordBatch v2 for a producer: append records, then write the finished batch (header, compressed
/// records, CRC) with <see cref="WriteTo"/>. Record bytes accumulate in a buffer rented from the shared array pool,
/// encoded as they are appended; <see cref="Dispose"/> returns it.
/// </summary>
/// <remarks>
/// Each record is encoded as (zig-zag varints; <c>length</c> counts the bytes after itself):
/// <code>
///  +--------+------------+----------------+-------------+-----------+-----+-------------+-------+-------------+---------+
///  | length | attributes | timestampDelta | offsetDelta | keyLength | key | valueLength | value | headerCount | headers |
///  | varint | int8 = 0   | varlong        | varint      | varint    |     | varint      |       | varint      |         |
///  +--------+------------+----------------+-------------+-----------+-----+-------------+-------+-------------+---------+
///  header: | keyLength varint | key (UTF-8) | valueLength varint | value |      (-1 length = null key/value)
/// </code>
/// The first record's timestamp becomes baseTimestamp and the others are deltas from it; offsetDelta is the
/// record's index. Not thread-safe: one producer thread fills a builder. Cost: each append is one encode into the
/// pooled buffer (amortised growth); <see cref="WriteTo"/> compresses once and checksums once.
/// </remarks>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly RecordBatchBuilderOptions _options;
    private readonly PooledBufferWriter _records;
    private long _baseTimestamp;
    private long _maxTimestamp = -1;
    private int _count;
    private bool _disposed;

    /// <exception cref="ArgumentOutOfRangeException">A codec id Kafka does not define, <see cref="RecordBatchBuilderOptions.MaxBatchBytes"/>
    /// out of its range, or <see cref="RecordBatchBuilderOptions.InitialBufferBytes"/> below 1.</exception>
    public RecordBatchBuilder(RecordBatchBuilderOptions? options = null)
    {
        _options = options ?? new RecordBatchBuilderOptions();
        switch (_options.Compression)
        {
            case CompressionCodec.None or CompressionCodec.Gzip or CompressionCodec.Snappy or CompressionCodec.Lz4 or CompressionCodec.Zstd:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), _options.Compression, "Compression names no codec Kafka defines.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatchBytes, RecordBatch.HeaderSize + RecordWalker.MinRecordBodyBytes + 1, "options.MaxBatchBytes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.MaxBatchBytes, RecordBatch.MaxBatchBytes, "options.MaxBatchBytes");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.InitialBufferBytes, 1, "options.InitialBufferBytes");
        _records = new PooledBufferWriter(Math.Min(_options.MaxBatchBytes, _options.InitialBufferBytes));
    }

    /// <summary>The options this builder writes with.</summary>
    public RecordBatchBuilderOptions Options => _options;

    /// <summary>Records appended so far.</summary>
    public int RecordCount => _count;

    /// <summary>True until the first record is appended.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The batch's size if written uncompressed now: the header plus the encoded records. This is the size
    /// judged against <see cref="RecordBatchBuilderOptions.MaxBatchBytes"/>. A compressed batch usually comes out smaller;
    /// incompressible records can come out a few framing bytes larger.</summary>
    public int EstimatedSizeInBytes => RecordBatch.HeaderSize + _records.WrittenCount;

    /// <summary>
    /// Appends a record unless it would take the batch past <see cref="RecordBatchBuilderOptions.MaxBatchBytes"/>.
    /// The key, value and headers are copied before this returns; the caller keeps ownership of their memory.
    /// </summary>
    /// <param name="timestamp">Create time in Unix milliseconds.</param>
    /// <param name="key">The key, or null for a null key. An empty memory is an empty key, not a null one; note that a
    /// null <c>byte[]</c> converts to an empty memory, so pass <c>null</c> itself for a null key.</param>
    /// <param name="value">The value, or null (a tombstone); the same conversion caveat applies.</param>
    /// <param name="headers">The record's headers, in order.</param>
    /// <returns>False, changing nothing, when the record does not fit a batch that already holds records: start a new batch.</returns>
    /// <exception cref="RunnelException"><see cref="RunnelErrorCode.RecordBatchTooLarge"/>: the record alone does not fit an empty batch.</exception>
    /// <exception cref="InvalidOperationException">This is a control batch (use <see cref="AppendControlRecord"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">The timestamp is so far from the first record's that the delta overflows.</exception>
    public bool TryAppend(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeader> headers = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_options.IsControlBatch)
        {
            throw new InvalidOperationException("A control batch holds control records only: use AppendControlRecord.");
        }

        return TryAppendCore(timestamp, key.HasValue ? key.Value.Span : default, key.HasValue,
            value.HasValue ? value.Value.Span : default, value.HasValue, headers);
    }

    /// <summary>
    /// Appends a transaction marker (commit or abort) to a control batch
    /// (<see cref="RecordBatchBuilderOptions.IsControlBatch"/>). Kafka's markers are one per batch, transactional,
    /// carrying the producer's id and epoch. <c>headers</c> go on the control record; Kafka clients ignore a marker's
    /// headers (they read its key and value only): Runnel's coordinator names the transaction's participant partitions
    /// there (<see cref="ControlRecords.ParticipantsHeader"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">This is not a control batch.</exception>
    public void AppendControlRecord(long timestamp, ControlRecordType type, int coordinatorEpoch, ReadOnlySpan<RecordHeader> headers = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_options.IsControlBatch)
        {
            throw new InvalidOperationException("Control records go into a control batch: set RecordBatchBuilderOptions.IsControlBatch.");
        }

        Span<byte> key = stackalloc byte[ControlRecords.KeySize];
        Span<byte> value = stackalloc byte[ControlRecords.ValueSize];
        ControlRecords.WriteKey(key, type);
        ControlRecords.WriteValue(value, coordinatorEpoch);
        TryAppendCore(timestamp, key, true, value, true, headers);
    }

    /// <summary>
    /// Writes the finished batch (header, records compressed with the configured codec, CRC-32C) to
    /// <paramref name="output"/> as one contiguous span and returns its length. The builder is unchanged and may
    /// write again. Compression uses a second pooled buffer, returned before this returns.
    /// </summary>
    /// <exception cref="InvalidOperationException">No record was appended: Kafka has no empty produced batch.</exception>
    public int WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_count == 0)
        {
            throw new InvalidOperationException("The batch holds no records; append at least one before writing it.");
        }

        PooledBufferWriter? compressed = null;
        try
        {
            var payload = _records.WrittenSpan;
            if (_options.Compression != CompressionCodec.None)
            {
                compressed = new PooledBufferWriter(payload.Length / 2);
                BatchCompression.Compress(_options.Compression, payload, compressed);
                payload = compressed.WrittenSpan;
            }

            var total = RecordBatch.HeaderSize + payload.Length;
            var batch = output.GetSpan(total)[..total];
            WriteHeader(batch, total);
            payload.CopyTo(batch[RecordBatch.HeaderSize..]);
            BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatch.CrcOffset..], RecordBatch.ComputeCrc(batch));
            output.Advance(total);
            return total;
        }
        finally
        {
            compressed?.Dispose();
        }
    }

    /// <summary>The finished batch in a new array (see <see cref="WriteTo"/>).</summary>
    public byte[] ToArray()
    {
        using var buffer = new PooledBufferWriter(EstimatedSizeInBytes);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Returns the pooled buffer. The builder is unusable afterwards.</summary>
    public void Dispose()
    {
        _disposed = true;
        _records.Dispose();
    }

    private bool TryAppendCore(long timestamp, ReadOnlySpan<byte> key, bool hasKey, ReadOnlySpan<byte> value, bool hasValue, ReadOnlySpan<RecordHeader> headers)
    {
        var baseTimestamp = _count == 0 ? timestamp : _baseTimestamp;
        long timestampDelta;
        try
        {
            timestampDelta = checked(timestamp - baseTimestamp);
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(timestamp), timestamp, $"The delta from the batch's base timestamp {baseTimestamp} overflows a varlong.");
        }

        var offsetDelta = _count;
        long body = 1 + Varint.SizeOfInt64(timestampDelta) + Varint.SizeOfInt32(offsetDelta)
            + SizeOfBytes(key.Length, hasKey) + SizeOfBytes(value.Length, hasValue) + Varint.SizeOfInt32(headers.Length);
        foreach (var header in headers)
        {
            ArgumentNullException.ThrowIfNull(header.Key, "headers[].Key");
            body += SizeOfBytes(Encoding.UTF8.GetByteCount(header.Key), true);
            body += SizeOfBytes(header.Value?.Length ?? 0, header.Value.HasValue);
        }

        var recordSize = body <= int.MaxValue ? Varint.SizeOfInt32((int)body) + body : long.MaxValue;
        var newSize = EstimatedSizeInBytes + recordSize;
        if (newSize > _options.MaxBatchBytes)
        {
            if (_count > 0)
            {
                return false;
            }

            throw new RunnelException(RunnelErrorCode.RecordBatchTooLarge,
                $"A record of {recordSize} encoded bytes makes a batch of {newSize} bytes; MaxBatchBytes is {_options.MaxBatchBytes}.");
        }

        var span = _records.GetSpan((int)recordSize);
        var p = Varint.WriteInt32(span, (int)body);
        span[p++] = 0; // record attributes: unused in v2
        p += Varint.WriteInt64(span[p..], timestampDelta);
        p += Varint.WriteInt32(span[p..], offsetDelta);
        p += WriteBytes(span[p..], key, hasKey);
        p += WriteBytes(span[p..], value, hasValue);
        p += Varint.WriteInt32(span[p..], headers.Length);
        foreach (var header in headers)
        {
            var keyLength = Encoding.UTF8.GetByteCount(header.Key);
            p += Varint.WriteInt32(span[p..], keyLength);
            p += Encoding.UTF8.GetBytes(header.Key, span[p..]);
            p += WriteBytes(span[p..], header.Value.HasValue ? header.Value.Value.Span : default, header.Value.HasValue);
        }

        _records.Advance(p);
        _baseTimestamp = baseTimestamp;
        _maxTimestamp = _count == 0 ? timestamp : Math.Max(_maxTimestamp, timestamp);
        _count++;
        return true;
    }

    private static int SizeOfBytes(int length, bool present) => present ? Varint.SizeOfInt32(length) + length : Varint.SizeOfInt32(-1);

    private static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes, bool present)
    {
        if (!present)
        {
            return Varint.WriteInt32(destination, -1);
        }

        var n = Varint.WriteInt32(destination, bytes.Length);
        bytes.CopyTo(destination[n..]);
        return n + bytes.Length;
    }

    private void WriteHeader(Span<byte> batch, int total)
    {
        var attributes = (short)_options.Compression;
        if (_options.IsTransactional)
        {
            attributes |= RecordBatch.TransactionalFlag;
        }

        if (_options.IsControlBatch)
        {
            attributes |= RecordBatch.ControlFlag;
        }

        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.BaseOffsetOffset..], _options.BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.BatchLengthOffset..], total - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.PartitionLeaderEpochOffset..], _options.PartitionLeaderEpoch);
        batch[RecordBatch.MagicOffset] = RecordBatch.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatch.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.LastOffsetDeltaOffset..], _count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatch.ProducerIdOffset..], _options.ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatch.ProducerEpochOffset..], _options.ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.BaseSequenceOffset..], _options.BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatch.RecordCountOffset..], _count);
    }
}
