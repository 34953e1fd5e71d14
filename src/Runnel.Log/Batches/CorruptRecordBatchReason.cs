namespace Runnel.Log.Batches;

/// <summary>Why a record batch was rejected. The exception's message carries the numbers involved.</summary>
[GenerateSerializer, Alias("runnel.CorruptRecordBatchReason")]
public enum CorruptRecordBatchReason
{
    /// <summary>No fault (the default value; never the reason of a thrown exception).</summary>
    None = 0,

    /// <summary>The buffer ends before the batch does (a torn write, a short read).</summary>
    Truncated,

    /// <summary>A length field disagrees with the bytes it describes (batchLength, a record's length,
    /// a key, value or header length).</summary>
    LengthMismatch,

    /// <summary>The magic byte is not 2: this is not a RecordBatch v2.</summary>
    BadMagic,

    /// <summary>The CRC-32C stored in the header does not match the bytes from attributes to the end.</summary>
    BadCrc,

    /// <summary>The compression bits of the attributes name no codec Kafka defines (5-7).</summary>
    UnknownCodec,

    /// <summary>The codec is a real one that Runnel does not implement; reported as
    /// <see cref="UnsupportedCompressionException"/>, not as corruption. Since Runnel reads all five of Kafka's codecs
    /// nothing reports it; kept so the numbering and older peers stay compatible.</summary>
    UnsupportedCodec,

    /// <summary>The header's record count disagrees with the records the data holds.</summary>
    RecordCountMismatch,

    /// <summary>A produced batch holds no records.</summary>
    EmptyBatch,

    /// <summary>A record's offsetDelta, or the header's lastOffsetDelta, is not consistent with the records.</summary>
    OffsetDeltaMismatch,

    /// <summary>A varint or varlong is truncated or longer than its type allows.</summary>
    BadVarint,

    /// <summary>The compressed record data could not be decompressed.</summary>
    DecompressionFailed,

    /// <summary>The record data decompresses to more than <see cref="RecordBatch.MaxDecompressedBytes"/>.</summary>
    DecompressedTooLarge,

    /// <summary>A control record's key or value is not a transaction marker Runnel understands.</summary>
    BadControlRecord,
}
