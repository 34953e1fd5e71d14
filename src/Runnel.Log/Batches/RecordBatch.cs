using Runnel.Buffers;
using System.Buffers.Binary;
using Runnel.Log.Internal;

namespace Runnel.Log.Batches;

/// <summary>
/// Kafka RecordBatch v2, the unit a partition stores: layout constants, the in-place base offset rewrite and
/// validation. All members are stateless and thread-safe.
/// </summary>
/// <remarks>
/// Layout (all integers big-endian; offsets in bytes):
/// <code>
///   0                   8              12                    16      17             21
///  +-------------------+--------------+---------------------+-------+--------------+
///  | baseOffset int64  | batchLength  | partitionLeader     | magic | crc uint32   |
///  |                   | int32        | Epoch int32         | int8=2| (CRC-32C)    |
///  +-------------------+--------------+---------------------+-------+--------------+
///  |-------- log overhead (12) -------|   batchLength counts every byte from here to the end
///
///  21           23                27               35              43             51            53             57           61
///  +------------+-----------------+----------------+---------------+--------------+-------------+--------------+------------+------------
///  | attributes | lastOffsetDelta | baseTimestamp  | maxTimestamp  | producerId   | producer    | baseSequence | records    | records ...
///  | int16      | int32           | int64          | int64         | int64        | Epoch int16 | int32        | count int32| (compressed
///  +------------+-----------------+----------------+---------------+--------------+-------------+--------------+------------+  as one blob)
///  |-------------------------------------------- covered by the CRC: attributes .. end of batch -------------------------------------------|
///
///  attributes: bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), bit 3 timestampType
///              (1 = log append time), bit 4 isTransactional, bit 5 isControlBatch, bit 6 hasDeleteHorizonMs.
/// </code>
/// baseOffset, batchLength, partitionLeaderEpoch and magic lie outside the CRC: the log assigns baseOffset (see
/// <see cref="SetBaseOffset"/>) without touching the CRC. A wrong batchLength or magic is caught by
/// <see cref="Validate"/>'s length and magic checks; baseOffset and partitionLeaderEpoch are not checkable from the
/// batch alone. Records are described in <see cref="RecordBatchBuilder"/>.
/// </remarks>
public static class RecordBatch
{
    /// <summary>The only magic value (format version) Runnel reads and writes.</summary>
    public const byte CurrentMagic = 2;

    /// <summary>baseOffset and batchLength: the bytes before what batchLength counts.</summary>
    public const int LogOverhead = 12;

    /// <summary>The fixed header up to and including the records count; the smallest possible batch.</summary>
    public const int HeaderSize = 61;

    /// <summary>The smallest batchLength: a header with no record data.</summary>
    public const int MinBatchLength = HeaderSize - LogOverhead;

    /// <summary>
    /// The largest batch Runnel takes anywhere: 64 MiB of record data plus 64 KiB for its key, headers and framing, so
    /// a 64 MiB record fits (Kafka users raise <c>max.message.bytes</c> to 10-100 MB). A batch larger than an append
    /// block (Azure's 4 MiB, Runnel.Storage's ObjectStoreLimits.MaxAppendBlockBytes) is written as consecutive blocks
    /// and acknowledged after the last. A topic (<c>max.message.bytes</c>) or a producer sets its own lower limit;
    /// validation does not enforce this one.
    /// </summary>
    public const int MaxBatchBytes = (64 * 1024 * 1024) + (64 * 1024);

    /// <summary>
    /// The most bytes a compressed batch's records may decompress to. Reading a compressed batch materialises its
    /// records in one buffer, so this bounds the memory a hostile batch (a decompression bomb) can claim: 4 times the
    /// largest batch (<see cref="MaxBatchBytes"/>), beyond what gzip or snappy reach on real record data.
    /// </summary>
    public const int MaxDecompressedBytes = 4 * MaxBatchBytes;

    internal const int BaseOffsetOffset = 0;
    /// <summary>Where the int32 batchLength (big-endian; bytes after the <see cref="LogOverhead"/>) sits in a stored batch.</summary>
    public const int BatchLengthOffset = 8;
    internal const int PartitionLeaderEpochOffset = 12;
    internal const int MagicOffset = 16;
    internal const int CrcOffset = 17;
    internal const int AttributesOffset = 21;
    /// <summary>Where the int32 lastOffsetDelta (big-endian) sits in a stored batch.</summary>
    public const int LastOffsetDeltaOffset = 23;
    internal const int BaseTimestampOffset = 27;
    internal const int MaxTimestampOffset = 35;
    internal const int ProducerIdOffset = 43;
    internal const int ProducerEpochOffset = 51;
    internal const int BaseSequenceOffset = 53;
    internal const int RecordCountOffset = 57;

    internal const short CompressionMask = 0x07;
    internal const short TimestampTypeFlag = 0x08;
    internal const short TransactionalFlag = 0x10;
    internal const short ControlFlag = 0x20;
    internal const short DeleteHorizonFlag = 0x40;

    /// <summary>
    /// Rewrites the baseOffset of the batch at the start of <paramref name="batch"/> in place. The field lies
    /// outside the CRC, so the batch stays valid. Constant time, no allocation.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is shorter than the 8-byte field,
    /// or <paramref name="baseOffset"/> is negative.</exception>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(baseOffset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch.Length, sizeof(long), nameof(batch));
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
    }

    /// <summary>
    /// Rewrites the partitionLeaderEpoch of the batch at the start of <paramref name="batch"/> in place (outside the
    /// CRC, like baseOffset). Constant time, no allocation.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is shorter than the batch header's first 16 bytes.</exception>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch.Length, MagicOffset, nameof(batch));
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);
    }

    /// <summary>
    /// The CRC-32C a batch should carry: over its bytes from attributes to the end of <paramref name="batch"/>
    /// (which must hold exactly one batch). Linear in the batch's size, no allocation.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is shorter than <see cref="HeaderSize"/>.</exception>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch.Length, HeaderSize, nameof(batch));
        return Crc32C.Compute(batch[AttributesOffset..]);
    }

    /// <summary>
    /// Checks that <paramref name="batch"/> is exactly one well-formed RecordBatch v2 and throws if not. See
    /// <see cref="TryValidate"/> for the checks and their cost.
    /// </summary>
    /// <exception cref="CorruptRecordBatchException">A check failed; <see cref="CorruptRecordBatchException.Reason"/> says which.</exception>
    public static void Validate(ReadOnlySpan<byte> batch, RecordBatchValidationMode mode = RecordBatchValidationMode.Produce)
    {
        if (!TryValidate(batch, mode, out var fault))
        {
            throw fault.ToException();
        }
    }

    /// <summary>
    /// <see cref="Validate"/> in <see cref="RecordBatchValidationMode.Produce"/> mode, returning the proof that
    /// <see cref="PartitionLog.AppendAsync(ValidatedRecordBatch, CancellationToken)"/> takes instead of checking the
    /// batch a second time. Same checks and cost as <see cref="Validate"/>.
    /// </summary>
    /// <exception cref="CorruptRecordBatchException">A check failed; <see cref="CorruptRecordBatchException.Reason"/> says which.</exception>
    public static ValidatedRecordBatch ValidateForAppend(ReadOnlyMemory<byte> batch)
    {
        Validate(batch.Span, RecordBatchValidationMode.Produce);
        return new ValidatedRecordBatch(batch);
    }

    /// <summary>
    /// Checks that <paramref name="batch"/> is exactly one well-formed RecordBatch v2, in this order: the length
    /// fits the buffer exactly, magic is 2, the CRC-32C matches, the codec is known and supported, and the records
    /// are what the header says: walking every record's length and fields, there are exactly recordCount of them,
    /// they fill the batch to its last byte, and their offset deltas agree with lastOffsetDelta under
    /// <paramref name="mode"/>.
    /// </summary>
    /// <remarks>
    /// Cost: one pass for the CRC and one over the record fields; nothing is allocated for an uncompressed batch
    /// that passes (the silo's hot path). A compressed batch is decompressed into a pooled buffer to be walked,
    /// which is returned before this method returns. Producer fields (id, epoch, sequence) and timestamps are not
    /// judged here: they are the partition's business.
    /// </remarks>
    /// <returns>True when the batch is good; otherwise false with <paramref name="fault"/> describing the first failed check.</returns>
    public static bool TryValidate(ReadOnlySpan<byte> batch, RecordBatchValidationMode mode, out RecordBatchFault fault)
    {
        if (!TryCheckFrame(batch, requireExactLength: true, out fault))
        {
            return false;
        }

        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]);
        var codec = (CompressionCodec)(attributes & CompressionMask);
        if (!TryCheckCodec(codec, attributes, out fault))
        {
            return false;
        }

        var recordCount = BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountOffset..]);
        var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaOffset..]);
        if (recordCount < 0)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.RecordCountMismatch, $"The header says {recordCount} records.");
            return false;
        }

        if (recordCount == 0 && mode == RecordBatchValidationMode.Produce)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.EmptyBatch, "A produced batch must hold at least one record; this one holds none.");
            return false;
        }

        if (lastOffsetDelta < 0)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.OffsetDeltaMismatch, $"lastOffsetDelta is {lastOffsetDelta}.");
            return false;
        }

        var records = batch[HeaderSize..];
        if (codec == CompressionCodec.None)
        {
            return RecordWalker.TryWalk(records, recordCount, lastOffsetDelta, mode, out fault);
        }

        using var decompressed = new PooledBufferWriter((int)Math.Min(records.Length * 4L, MaxDecompressedBytes));
        return BatchCompression.TryDecompress(codec, records, decompressed, out fault)
            && RecordWalker.TryWalk(decompressed.WrittenSpan, recordCount, lastOffsetDelta, mode, out fault);
    }

    /// <summary>
    /// The framing checks shared by validation, the splitter and the reader: batchLength is at least the minimum and
    /// fits the buffer (exactly, or as a prefix), magic is 2 and the CRC matches.
    /// </summary>
    internal static bool TryCheckFrame(ReadOnlySpan<byte> buffer, bool requireExactLength, out RecordBatchFault fault)
    {
        if (buffer.Length < LogOverhead)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.Truncated,
                $"A batch needs {LogOverhead} bytes for baseOffset and batchLength; the buffer has {buffer.Length}.");
            return false;
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(buffer[BatchLengthOffset..]);
        if (batchLength < MinBatchLength)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"batchLength is {batchLength}; the smallest batch has {MinBatchLength}.");
            return false;
        }

        var total = (long)LogOverhead + batchLength;
        if (buffer.Length < total)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.Truncated,
                $"batchLength {batchLength} makes the batch {total} bytes long; the buffer has {buffer.Length}.");
            return false;
        }

        if (requireExactLength && buffer.Length != total)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.LengthMismatch,
                $"batchLength {batchLength} makes the batch {total} bytes long; the buffer holds {buffer.Length - total} more.");
            return false;
        }

        var magic = buffer[MagicOffset];
        if (magic != CurrentMagic)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.BadMagic, $"Magic is {(sbyte)magic}; RecordBatch v2 has magic {CurrentMagic}.");
            return false;
        }

        var stored = BinaryPrimitives.ReadUInt32BigEndian(buffer[CrcOffset..]);
        var computed = Crc32C.Compute(buffer[AttributesOffset..(int)total]);
        if (stored != computed)
        {
            fault = new RecordBatchFault(CorruptRecordBatchReason.BadCrc,
                $"The stored CRC-32C is 0x{stored:X8}; the {total - AttributesOffset} bytes from attributes on compute to 0x{computed:X8}.");
            return false;
        }

        fault = default;
        return true;
    }

    internal static bool TryCheckCodec(CompressionCodec codec, short attributes, out RecordBatchFault fault)
    {
        switch (codec)
        {
            case CompressionCodec.None or CompressionCodec.Gzip or CompressionCodec.Snappy or CompressionCodec.Lz4 or CompressionCodec.Zstd:
                fault = default;
                return true;
            default:
                fault = new RecordBatchFault(CorruptRecordBatchReason.UnknownCodec,
                    $"The attributes 0x{(ushort)attributes:X4} name compression codec id {(int)codec}; Kafka defines ids 0-4.");
                return false;
        }
    }
}
