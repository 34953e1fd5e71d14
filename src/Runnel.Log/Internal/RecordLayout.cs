namespace Runnel.Log.Internal;

/// <summary>
/// Where one record's fields lie, as offsets into the records region it was parsed from (after the 61-byte batch
/// header, or in the decompressed buffer). A length of -1 is a null key or value.
/// </summary>
internal readonly struct RecordLayout
{
    public RecordLayout(byte attributes, long timestampDelta, int offsetDelta, int keyOffset, int keyLength,
        int valueOffset, int valueLength, int headersOffset, int headersLength, int headerCount)
    {
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        KeyOffset = keyOffset;
        KeyLength = keyLength;
        ValueOffset = valueOffset;
        ValueLength = valueLength;
        HeadersOffset = headersOffset;
        HeadersLength = headersLength;
        HeaderCount = headerCount;
    }

    public byte Attributes { get; }

    public long TimestampDelta { get; }

    public int OffsetDelta { get; }

    public int KeyOffset { get; }

    public int KeyLength { get; }

    public int ValueOffset { get; }

    public int ValueLength { get; }

    /// <summary>Start of the first header (just after the header count).</summary>
    public int HeadersOffset { get; }

    /// <summary>Bytes of all headers together, excluding the header count.</summary>
    public int HeadersLength { get; }

    public int HeaderCount { get; }
}
