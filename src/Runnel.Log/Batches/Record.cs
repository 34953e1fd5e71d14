namespace Runnel.Log.Batches;

/// <summary>
/// One record read from a batch. <see cref="Key"/>, <see cref="Value"/> and <see cref="Headers"/> are slices of the
/// batch's memory (uncompressed batch) or of the decompressed buffer owned by the <see cref="RecordBatchRecords"/>
/// that produced this record: they are valid as long as that memory is, and no longer than the
/// <see cref="RecordBatchRecords"/> is undisposed when the batch was compressed. Copy what must outlive it.
/// </summary>
public readonly struct Record
{
    internal Record(long offset, long timestamp, int offsetDelta, long timestampDelta, byte attributes,
        ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, RecordHeaders headers)
    {
        Offset = offset;
        Timestamp = timestamp;
        OffsetDelta = offsetDelta;
        TimestampDelta = timestampDelta;
        Attributes = attributes;
        Key = key;
        Value = value;
        Headers = headers;
    }

    /// <summary>The absolute offset: the batch's baseOffset plus <see cref="OffsetDelta"/>.</summary>
    public long Offset { get; }

    /// <summary>The record's timestamp in Unix milliseconds: baseTimestamp + <see cref="TimestampDelta"/> under create
    /// time, the batch's maxTimestamp under log-append time.</summary>
    public long Timestamp { get; }

    /// <summary>The offsetDelta as stored.</summary>
    public int OffsetDelta { get; }

    /// <summary>The timestampDelta as stored.</summary>
    public long TimestampDelta { get; }

    /// <summary>The record's attributes byte (unused by v2; kept as stored).</summary>
    public byte Attributes { get; }

    /// <summary>The key; null for a null key (length -1), an empty memory for an empty key.</summary>
    public ReadOnlyMemory<byte>? Key { get; }

    /// <summary>The value; null for a null value (a tombstone), an empty memory for an empty value.</summary>
    public ReadOnlyMemory<byte>? Value { get; }

    /// <summary>The record's headers, parsed lazily as they are enumerated.</summary>
    public RecordHeaders Headers { get; }
}
