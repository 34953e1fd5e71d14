using Runnel.Buffers;
using Runnel.Log.Internal;

namespace Runnel.Log.Batches;

/// <summary>
/// One batch over its bytes, without copying them: the header, and the records on demand. The memory stays the
/// caller's; this view is valid while it is. Immutable, thread-safe to share; reading records is per caller.
/// </summary>
public readonly struct RecordBatchView
{
    /// <summary>Wraps the batch at the start of <paramref name="batch"/>, which must hold exactly one batch. Checks
    /// the length and magic only; call <see cref="RecordBatch.Validate"/> to check the rest.</summary>
    /// <exception cref="CorruptRecordBatchException">The buffer is shorter than the header or than batchLength says,
    /// longer than the batch, or the magic is not 2.</exception>
    public RecordBatchView(ReadOnlyMemory<byte> batch)
    {
        Header = RecordBatchHeader.Read(batch.Span);
        if (Header.TotalLength != batch.Length)
        {
            throw new CorruptRecordBatchException(
                Header.TotalLength > batch.Length ? CorruptRecordBatchReason.Truncated : CorruptRecordBatchReason.LengthMismatch,
                $"batchLength {Header.BatchLength} makes the batch {Header.TotalLength} bytes long; the buffer holds {batch.Length}.");
        }

        Memory = batch;
    }

    /// <summary>The batch's bytes, exactly.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>The header fields.</summary>
    public RecordBatchHeader Header { get; }

    /// <summary>Offset of the first record.</summary>
    public long BaseOffset => Header.BaseOffset;

    /// <summary>Offset of the last record (baseOffset + lastOffsetDelta).</summary>
    public long LastOffset => Header.LastOffset;

    /// <summary>
    /// The batch's records. Uncompressed: slices of <see cref="Memory"/>, nothing allocated. Compressed: the records
    /// are decompressed now into a pooled buffer the result owns; dispose it (<c>using var records = ...</c>) when done
    /// with every record slice. Record fields are checked as they are enumerated, but the CRC is not checked here.
    /// </summary>
    /// <exception cref="CorruptRecordBatchException">An unknown codec, or the record data does not decompress.</exception>
    public RecordBatchRecords ReadRecords()
    {
        var codec = Header.Compression;
        if (!RecordBatch.TryCheckCodec(codec, Header.Attributes, out var fault))
        {
            throw fault.ToException();
        }

        var records = Memory[RecordBatch.HeaderSize..];
        if (codec == CompressionCodec.None)
        {
            return new RecordBatchRecords(records, Header, owner: null);
        }

        var buffer = new PooledBufferWriter((int)Math.Min(records.Length * 4L, RecordBatch.MaxDecompressedBytes));
        try
        {
            if (!BatchCompression.TryDecompress(codec, records.Span, buffer, out fault))
            {
                throw fault.ToException();
            }

            return new RecordBatchRecords(buffer.WrittenMemory, Header, buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
