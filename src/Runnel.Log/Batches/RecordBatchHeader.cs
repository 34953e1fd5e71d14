using System.Buffers.Binary;

namespace Runnel.Log.Batches;

/// <summary>
/// The fixed 61-byte header of a RecordBatch v2 (layout in <see cref="RecordBatch"/>), read into a value. Reading
/// copies the fields and checks nothing but the buffer's length and the magic byte: use
/// <see cref="RecordBatch.Validate"/> to trust the rest. Immutable, thread-safe, allocation-free.
/// </summary>
public readonly struct RecordBatchHeader
{
    private RecordBatchHeader(ReadOnlySpan<byte> batch)
    {
        BaseOffset = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatch.BaseOffsetOffset..]);
        BatchLength = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.BatchLengthOffset..]);
        PartitionLeaderEpoch = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.PartitionLeaderEpochOffset..]);
        Magic = batch[RecordBatch.MagicOffset];
        Crc = BinaryPrimitives.ReadUInt32BigEndian(batch[RecordBatch.CrcOffset..]);
        Attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatch.AttributesOffset..]);
        LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.LastOffsetDeltaOffset..]);
        BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatch.BaseTimestampOffset..]);
        MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatch.MaxTimestampOffset..]);
        ProducerId = BinaryPrimitives.ReadInt64BigEndian(batch[RecordBatch.ProducerIdOffset..]);
        ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatch.ProducerEpochOffset..]);
        BaseSequence = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.BaseSequenceOffset..]);
        RecordCount = BinaryPrimitives.ReadInt32BigEndian(batch[RecordBatch.RecordCountOffset..]);
    }

    /// <summary>Offset of the first record; assigned by the log on append.</summary>
    public long BaseOffset { get; }

    /// <summary>Bytes of the batch after the batchLength field.</summary>
    public int BatchLength { get; }

    /// <summary>The partition epoch that appended the batch (-1 from a producer).</summary>
    public int PartitionLeaderEpoch { get; }

    /// <summary>The format version; 2.</summary>
    public byte Magic { get; }

    /// <summary>The stored CRC-32C over attributes .. end.</summary>
    public uint Crc { get; }

    /// <summary>The raw attributes; see the typed properties.</summary>
    public short Attributes { get; }

    /// <summary>offsetDelta of the last record (kept through compaction, so the batch's last offset stays put).</summary>
    public int LastOffsetDelta { get; }

    /// <summary>Timestamp of the first record (or the delete horizon when <see cref="HasDeleteHorizon"/>).</summary>
    public long BaseTimestamp { get; }

    /// <summary>The largest record timestamp (or the append time under <see cref="TimestampType.LogAppendTime"/>).</summary>
    public long MaxTimestamp { get; }

    /// <summary>The idempotent producer's id, or -1.</summary>
    public long ProducerId { get; }

    /// <summary>The producer's epoch, or -1.</summary>
    public short ProducerEpoch { get; }

    /// <summary>Sequence number of the first record, or -1.</summary>
    public int BaseSequence { get; }

    /// <summary>The number of records the header declares.</summary>
    public int RecordCount { get; }

    /// <summary>The compression codec (attributes bits 0-2); may be an undefined value in an unvalidated batch.</summary>
    public CompressionCodec Compression => (CompressionCodec)(Attributes & RecordBatch.CompressionMask);

    /// <summary>What the timestamps mean (attributes bit 3).</summary>
    public TimestampType TimestampType => (Attributes & RecordBatch.TimestampTypeFlag) != 0 ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    /// <summary>Attributes bit 4: the records belong to a transaction.</summary>
    public bool IsTransactional => (Attributes & RecordBatch.TransactionalFlag) != 0;

    /// <summary>Attributes bit 5: the batch holds control records (transaction markers).</summary>
    public bool IsControlBatch => (Attributes & RecordBatch.ControlFlag) != 0;

    /// <summary>Attributes bit 6: <see cref="BaseTimestamp"/> is the compaction delete horizon.</summary>
    public bool HasDeleteHorizon => (Attributes & RecordBatch.DeleteHorizonFlag) != 0;

    /// <summary>Bytes of the whole batch: <see cref="BatchLength"/> plus the 12-byte log overhead.</summary>
    public long TotalLength => RecordBatch.LogOverhead + (long)BatchLength;

    /// <summary>Offset of the batch's last record: <see cref="BaseOffset"/> + <see cref="LastOffsetDelta"/>.</summary>
    public long LastOffset => BaseOffset + LastOffsetDelta;

    /// <summary>Offset after the batch: where the next batch starts.</summary>
    public long NextOffset => LastOffset + 1;

    /// <summary>Sequence number of the last record, wrapping at int.MaxValue as Kafka's does; -1 without a producer sequence.</summary>
    public int LastSequence => BaseSequence < 0 ? -1 : (int)((BaseSequence + (long)LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Reads the header at the start of <paramref name="batch"/>.</summary>
    /// <exception cref="CorruptRecordBatchException"><paramref name="batch"/> is shorter than
    /// <see cref="RecordBatch.HeaderSize"/> (<see cref="CorruptRecordBatchReason.Truncated"/>) or its magic is not 2
    /// (<see cref="CorruptRecordBatchReason.BadMagic"/>).</exception>
    public static RecordBatchHeader Read(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < RecordBatch.HeaderSize)
        {
            throw new CorruptRecordBatchException(CorruptRecordBatchReason.Truncated,
                $"A batch header needs {RecordBatch.HeaderSize} bytes; the buffer has {batch.Length}.");
        }

        if (batch[RecordBatch.MagicOffset] != RecordBatch.CurrentMagic)
        {
            throw new CorruptRecordBatchException(CorruptRecordBatchReason.BadMagic,
                $"Magic is {(sbyte)batch[RecordBatch.MagicOffset]}; RecordBatch v2 has magic {RecordBatch.CurrentMagic}.");
        }

        return new RecordBatchHeader(batch);
    }

    /// <summary>Reads the header at the start of <paramref name="batch"/>; false (no exception) when the buffer is
    /// shorter than <see cref="RecordBatch.HeaderSize"/> or the magic is not 2.</summary>
    public static bool TryRead(ReadOnlySpan<byte> batch, out RecordBatchHeader header)
    {
        if (batch.Length < RecordBatch.HeaderSize || batch[RecordBatch.MagicOffset] != RecordBatch.CurrentMagic)
        {
            header = default;
            return false;
        }

        header = new RecordBatchHeader(batch);
        return true;
    }
}
