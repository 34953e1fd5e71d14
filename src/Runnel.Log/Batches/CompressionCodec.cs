namespace Runnel.Log.Batches;

/// <summary>
/// The compression codec of a record batch: bits 0-2 of its attributes, with Kafka's numbering.
/// Runnel writes and reads all five; ids 5-7 are not codecs at all (a corrupt batch).
/// </summary>
[GenerateSerializer, Alias("runnel.CompressionCodec")]
public enum CompressionCodec
{
    /// <summary>Records are stored as they are.</summary>
    None = 0,

    /// <summary>The record data is one gzip stream (RFC 1952).</summary>
    Gzip = 1,

    /// <summary>The record data is snappy: written with xerial framing (as Kafka's Java client does), read framed or raw.</summary>
    Snappy = 2,

    /// <summary>The record data is one LZ4 frame (Kafka's format since magic 1): written with independent 64 KiB blocks.</summary>
    Lz4 = 3,

    /// <summary>The record data is one Zstandard frame, written at Kafka's default level 3.</summary>
    Zstd = 4,
}
